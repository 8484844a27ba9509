"""Item statistics in SQL: one GROUP BY per question over the graded attempts in the viewer's scope, so the page
never loads a response as a model (5,000 attempts × 100 questions are 500,000 rows with two JSON blobs each).

Per question: n, the mean and sample SD of its score, and the Pearson correlation between the score and the rest of
the paper (the attempt's total − the item). PostgreSQL computes them itself (`stddev_samp`, `corr`); SQLite has
neither, so it returns the sums (Σx, Σx², Σy, Σy², Σxy) and exams.stats.from_sums finishes them. The definitions
are those of exams.stats.item_statistics, which the tests compare against.
"""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import Count, QuerySet, TextField
from django.db.models.functions import Cast

from exams import stats
from exams.models import Response


def _col(name: str) -> str:
    return connection.ops.quote_name(Response._meta.get_field(name).column)


def _sql(vendor: str, attempts_sql: str) -> str:
    r = connection.ops.quote_name(Response._meta.db_table)
    attempt, question, points, version = _col("attempt"), _col("question"), _col("points"), _col("version")
    # Response.score: the marker's score where there is one, else the automatic one (unmarked counts as 0).
    score = f"COALESCE(r.{_col('manual_score')}, r.{_col('auto_score')}, 0)"
    if vendor == "postgresql":
        # CORR and the REGR_ aggregates over the same arguments share one transition state (one accumulation per
        # row instead of three for AVG, STDDEV_SAMP and CORR): REGR_AVGY is the mean of x and REGR_SYY / (n − 1) its
        # sample variance. Neither argument is ever NULL here, so REGR_ skips no row. 500,000 responses: about
        # 185 ms instead of 260 ms (bench/README.md).
        figures = (
            "REGR_AVGY(x, total - x), SQRT(REGR_SYY(x, total - x) / NULLIF(COUNT(*) - 1, 0)), CORR(x, total - x),"
            " NULL, NULL, NULL, NULL, NULL"
        )
    else:
        figures = (
            "NULL, NULL, NULL, SUM(x), SUM(x * x), SUM(total - x), SUM((total - x) * (total - x)),"
            " SUM(x * (total - x))"
        )
    cast = "::float8" if vendor == "postgresql" else " * 1.0"
    # The rest of the paper is the attempt's score minus the item: a graded attempt's score is the sum of its
    # responses' scores (exams.services.marking._finalize writes both in one transaction, and every marking,
    # override and regrade goes through it), so one join with the attempt row replaces a window over the
    # responses (on PostgreSQL, 5,000 attempts × 100 questions: about 0.2 s instead of 0.45–0.7 s).
    return (
        f"SELECT question_id, COUNT(*), MAX(points), MAX(version_id), {figures} FROM ("
        f"SELECT r.{question} AS question_id, ({score}){cast} AS x, r.{points} AS points,"
        f" r.{version} AS version_id, COALESCE(a.score, 0){cast} AS total"
        f" FROM {r} r INNER JOIN ({attempts_sql}) a ON a.pk = r.{attempt}) w GROUP BY question_id"
    )


def item_statistics(attempts: QuerySet) -> tuple[int, dict[int, stats.ItemStat], dict[int, int]]:
    """(attempt count, question id → ItemStat, question id → the latest version answered) over `attempts`."""
    attempts_sql, params = attempts.order_by().values("pk", "score").query.sql_with_params()
    out: dict[int, stats.ItemStat] = {}
    versions: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor, attempts_sql), params)
        for (
            qid,
            n,
            max_score,
            version_id,
            mean,
            sd,
            r,
            sx,
            sxx,
            sy,
            syy,
            sxy,
        ) in cursor.fetchall():
            versions[qid] = version_id
            if mean is None and sx is not None:
                mean, sd, r = stats.from_sums(n, sx, sxx, sy, syy, sxy)
            out[qid] = stats.item_stat(qid, n, float(max_score or 0), mean, sd, r)
    return attempts.count(), out, versions


def answer_counts(attempts: QuerySet, question_ids) -> dict[int, list[tuple[object, int]]]:
    """question id → [(stored answer, how many gave it)], grouped in the database (for the option counts).

    Grouped on the answer's text, not on the JSON value: equal jsonb values print the same text, and hashing text
    is cheaper (500,000 responses on PostgreSQL: about 145 ms instead of 160 ms)."""
    rows = (
        Response.objects.filter(attempt__in=attempts.values("pk"), question_id__in=list(question_ids))
        .annotate(answer_text=Cast("answer", TextField()))
        .values("question_id", "answer_text")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: dict[int, list] = {}
    for row in rows:
        text = row["answer_text"]
        out.setdefault(row["question_id"], []).append((None if text is None else json.loads(text), row["n"]))
    return out
