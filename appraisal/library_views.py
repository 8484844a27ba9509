"""The case library's fixed address (/appraisal/library/): the learner shell's tab points here, and it sends the
reader to the live library page, wherever editors put it in the page tree."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from appraisal.pages import CaseLibraryPage


@login_required
def library(request):
    page = CaseLibraryPage.objects.live().order_by("path").first()
    if page is None:
        raise Http404(_("The case library has not been published yet."))
    url = page.get_url(request)
    if request.GET:
        url = f"{url}?{request.GET.urlencode()}"
    return redirect(url)
