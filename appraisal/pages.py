"""The case library (经验推广): an index page that searches and filters its cases, and the case page itself — facts,
legal basis, procedure, documents with personal details removed, lessons learned, tags and knowledge points.

Every signed-in user may read them (they are for learning); editing and publishing go through Wagtail and its
moderation workflow. Search: see appraisal.segmentation (each page indexes a segmented copy of its text).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import Tag, TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from appraisal import segmentation
from appraisal.models import CaseKind, RoundCase
from courses.blocks import DocumentBlock
from exams.models import Category

NAV_SECTION = "appraisal:library"
PAGE_SIZE = 20
SEARCH_LIMIT = 500  # matches ranked before the tag filter; a library holds hundreds of cases, not thousands


class DocumentExcerptBlock(blocks.StructBlock):
    """A document's text retyped with personal details removed (e.g. 行政处罚决定书 with the party as 当事人)."""

    title = blocks.CharBlock(label=_("Document title"))
    text = blocks.TextBlock(label=_("Text"))

    class Meta:
        icon = "doc-full"
        label = _("Document excerpt")
        template = "appraisal/library/excerpt_block.html"


class CaseDocumentsBlock(blocks.StreamBlock):
    document = DocumentBlock()
    excerpt = DocumentExcerptBlock()


@method_decorator(login_required, name="serve")
class CaseLibraryPage(Page):
    """The case library (案例库): a searchable list of its cases, filtered by tag."""

    intro = models.TextField(_("Introduction"), blank=True)

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["appraisal.CasePage"]
    content_panels = Page.content_panels + ["intro"]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = _("Case library")
        verbose_name_plural = _("Case libraries")

    def cases(self):
        return CasePage.objects.live().descendant_of(self)

    def tags_in_use(self):
        return (
            Tag.objects.filter(appraisal_casepagetag_items__content_object__in=self.cases())
            .distinct()
            .order_by("name")
        )

    def search(self, query: str = "", tag: str = ""):
        """The live cases matching every segmented term of `query` (best first), then those with `tag`; without a
        query, the newest first."""
        cases = self.cases()
        terms = segmentation.query_text(query)
        if query.strip() and not terms:
            return CasePage.objects.none()
        if terms:
            ranked = [p.pk for p in cases.search(terms, operator="and")[:SEARCH_LIMIT]]
            rows = CasePage.objects.filter(pk__in=ranked)
            if tag:
                rows = rows.filter(tags__name=tag)
            order = {pk: n for n, pk in enumerate(ranked)}
            return sorted(rows.prefetch_related("tags"), key=lambda p: order[p.pk])
        if tag:
            cases = cases.filter(tags__name=tag)
        return cases.order_by("-first_published_at", "-pk").prefetch_related("tags")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        query = request.GET.get("q", "").strip()[:100]
        tag = request.GET.get("tag", "").strip()[:100]
        page = Paginator(self.search(query, tag), PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            query=query, tag=tag, results=page, tags=list(self.tags_in_use()), nav_section=NAV_SECTION
        )
        return context


class CasePageTag(TaggedItemBase):
    content_object = ParentalKey("appraisal.CasePage", on_delete=models.CASCADE, related_name="tagged_items")

    class Meta:
        verbose_name = _("Case tag")
        verbose_name_plural = _("Case tags")


@method_decorator(login_required, name="serve")
class CasePage(Page):
    """A case in the library: what happened, the law, how it was handled, its documents (personal details removed)
    and what others can learn from it."""

    kind = models.CharField(_("Case kind"), max_length=16, choices=CaseKind.choices, blank=True)
    facts = models.TextField(_("Facts"))
    legal_basis = models.TextField(_("Legal basis"), blank=True)
    procedure = models.TextField(_("Procedure"), blank=True)
    documents = StreamField(
        CaseDocumentsBlock(),
        verbose_name=_("Enforcement documents"),
        blank=True,
        help_text=_(
            "Only documents with personal details removed: names, ID numbers and phone numbers masked."
        ),
    )
    lessons_learned = models.TextField(_("Lessons learned"), blank=True)
    tags = ClusterTaggableManager(through=CasePageTag, verbose_name=_("Tags"), blank=True)
    knowledge_points = ParentalManyToManyField(
        Category, verbose_name=_("Knowledge points"), blank=True, related_name="+"
    )
    source = models.ForeignKey(
        RoundCase,
        verbose_name=_("Proposed from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="library_pages",
        editable=False,
    )
    # The page's text cut into words (appraisal.segmentation), filled on save: what the search backend indexes.
    search_text = models.TextField(editable=False, blank=True, default="")

    parent_page_types = ["appraisal.CaseLibraryPage"]
    subpage_types: list[str] = []
    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("kind"), FieldPanel("tags"), FieldPanel("knowledge_points")], heading=_("Tags")
        ),
        FieldPanel("facts"),
        FieldPanel("legal_basis"),
        FieldPanel("procedure"),
        FieldPanel("documents"),
        FieldPanel("lessons_learned"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("search_text"),
        index.FilterField("kind"),
    ]

    class Meta:
        verbose_name = _("Library case")
        verbose_name_plural = _("Library cases")

    def segmented_text(self) -> str:
        excerpts = [
            f"{block.value['title']} {block.value['text']}"
            for block in self.documents
            if block.block_type == "excerpt"
        ]
        return segmentation.index_text(
            self.title,
            self.facts,
            self.legal_basis,
            self.procedure,
            self.lessons_learned,
            " ".join(self.tags.names()) if self.pk else "",
            *excerpts,
        )

    def save(self, *args, **kwargs):
        self.search_text = self.segmented_text()
        return super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["library"] = self.get_parent()
        context["nav_section"] = NAV_SECTION
        return context
