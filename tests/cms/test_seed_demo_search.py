"""seed_demo indexes the pages it saves once, in bulk, at the end (not per save), and they are then found by search."""

import pytest
from wagtail.search.models import IndexEntry

from cms.management.commands.seed_demo import search_index_deferred
from cms.models import HomePage
from courses.models import CurriculumIndexPage

pytestmark = pytest.mark.django_db


def _found(word: str) -> list:
    return list(CurriculumIndexPage.objects.live().search(word))


def test_pages_saved_during_the_seed_are_indexed_once_at_the_end():
    home = HomePage.objects.get()
    entries = IndexEntry.objects.count()
    with search_index_deferred():
        page = CurriculumIndexPage(title="Xyzzycurriculum", slug="xyzzy")
        home.add_child(instance=page)
        page.save_revision().publish()
        assert _found("Xyzzycurriculum") == []  # not indexed page save by page save
        assert IndexEntry.objects.count() == entries
    assert _found("Xyzzycurriculum") == [page]
    assert (
        IndexEntry.objects.count() == entries + 1
    )  # one entry for the page, as the save handler would write


def test_indexing_per_save_is_back_after_the_seed():
    home = HomePage.objects.get()
    with search_index_deferred():
        pass
    page = CurriculumIndexPage(title="Plughcurriculum", slug="plugh")
    home.add_child(instance=page)
    page.save_revision().publish()
    assert _found("Plughcurriculum") == [page]
