"""The StreamField vocabulary of lesson bodies; every block has its own template in templates/courses/blocks/."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from courses.knowledge import MAX_TRIES


class _SelectChooserBlock(blocks.ChooserBlock):
    """A chooser rendered as a plain <select> (our lists are short and staff-only)."""

    @cached_property
    def widget(self):
        return forms.Select()

    def get_form_state(self, value):
        return str(value.pk) if value is not None else ""

    # The <select>'s empty option posts "" (a half-filled block, e.g. on Wagtail's autosave): that is no choice,
    # not a primary key to look up.
    def value_from_form(self, value):
        return super().value_from_form(value if value != "" else None)

    def to_python(self, value):
        return super().to_python(value if value != "" else None)

    def bulk_to_python(self, values):
        return super().bulk_to_python([v if v != "" else None for v in values])


class QuestionBankChooserBlock(_SelectChooserBlock):
    target_model = "exams.QuestionBank"


class CategoryChooserBlock(_SelectChooserBlock):
    target_model = "exams.Category"


class QuestionChooserBlock(_SelectChooserBlock):
    target_model = "exams.Question"


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        label = _("Heading")
        template = "courses/blocks/heading.html"
        preview_value = "现场检查前的准备"


class ParagraphBlock(blocks.RichTextBlock):
    class Meta:
        icon = "pilcrow"
        label = _("Text")
        template = "courses/blocks/paragraph.html"
        features = ["bold", "italic", "ol", "ul", "link", "document-link"]
        preview_value = (
            "<p>生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。</p>"
        )


class LegalArticleBlock(blocks.StructBlock):
    law = blocks.CharBlock(label=_("Law"), max_length=120)
    article = blocks.CharBlock(
        label=_("Article"), max_length=40, help_text=_("e.g. 第二十一条"), required=False
    )
    text = blocks.TextBlock(label=_("Text of the article"))

    class Meta:
        icon = "doc-full"
        label = _("Legal article")
        template = "courses/blocks/legal_article.html"
        preview_value = {
            "law": "《中华人民共和国安全生产法》",
            "article": "第五条",
            "text": "生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。",
        }


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(label=_("Link text"), required=False)

    class Meta:
        icon = "doc-full-inverse"
        label = _("Document download")
        template = "courses/blocks/document.html"


class VideoBlock(blocks.StructBlock):
    """An uploaded video file (served by us through Wagtail documents) or an embed URL.

    Embeds only render where WAGTAILEMBEDS_FINDERS allows them; the intranet has none, so the block falls back
    to a plain link (or a note when there is nothing to show).
    """

    file = DocumentChooserBlock(label=_("Video file"), required=False, help_text=_("An MP4/WebM document."))
    embed_url = blocks.URLBlock(label=_("Embed URL"), required=False)
    title = blocks.CharBlock(label=_("Title"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        if not value.get("file") and not value.get("embed_url"):
            raise StructBlockValidationError(
                block_errors={
                    "file": ErrorList([ValidationError(_("Choose a video file or give an embed URL."))])
                }
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["embed_html"] = None
        if not value.get("file") and value.get("embed_url"):
            from wagtail.embeds.embeds import get_embed  # app loading: blocks are imported by models
            from wagtail.embeds.exceptions import EmbedException

            try:
                context["embed_html"] = get_embed(value["embed_url"]).html
            except EmbedException:
                context["embed_html"] = None
        return context


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[("info", _("Note")), ("tip", _("Tip")), ("warning", _("Warning"))],
        default="info",
    )
    text = blocks.TextBlock(label=_("Text"))

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "courses/blocks/callout.html"
        preview_value = {"kind": "warning", "text": "进入有限空间前必须先通风、再检测、后作业。"}


class KnowledgeCheckBlock(blocks.StructBlock):
    """A few practice questions answered inline with instant feedback; never graded for the record.

    Questions are the explicit ones if any are chosen, otherwise `count` drawn from the bank (and knowledge point),
    the same draw for a learner every time they open the lesson.
    """

    title = blocks.CharBlock(label=_("Title"), required=False, default="")
    bank = QuestionBankChooserBlock(label=_("Question bank"), required=False)
    category = CategoryChooserBlock(label=_("Knowledge point"), required=False)
    questions = blocks.ListBlock(
        QuestionChooserBlock(label=_("Question")), label=_("Explicit questions"), default=[]
    )
    count = blocks.IntegerBlock(label=_("Number of questions"), default=3, min_value=1, max_value=20)

    class Meta:
        icon = "help"
        label = _("Knowledge check")
        template = "courses/blocks/knowledge_check.html"

    def get_context(self, value, parent_context=None):
        # The lesson page draws each learner's questions (courses.selectors.lesson_state) and passes the block id.
        context = super().get_context(value, parent_context)
        state = (context.get("kc_blocks") or {}).get(context.get("block_id"), {})
        context["kc_questions"] = state.get("questions", [])
        context["kc_right"] = state.get("right", [])
        context["kc_max_tries"] = MAX_TRIES
        return context

    def clean(self, value):
        value = super().clean(value)
        if not value.get("questions") and not value.get("bank"):
            raise StructBlockValidationError(
                block_errors={
                    "bank": ErrorList([ValidationError(_("Choose a question bank or explicit questions."))])
                }
            )
        category = value.get("category")
        if category is not None and value.get("bank") and category.bank_id != value["bank"].pk:
            raise StructBlockValidationError(
                block_errors={
                    "category": ErrorList([ValidationError(_("This knowledge point is in another bank."))])
                }
            )
        return value


class LessonBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    legal_article = LegalArticleBlock()
    image = ImageBlock()
    document = DocumentBlock()
    video = VideoBlock()
    callout = CalloutBlock()
    knowledge_check = KnowledgeCheckBlock()
