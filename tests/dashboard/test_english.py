"""English pages carry no Chinese grade names inside English sentences."""

from django.utils import translation
from django.utils.translation import gettext


def test_the_veto_note_names_the_grade_in_english():
    with translation.override("en"):
        assert gettext("；一票否决，等次最高为一般") == "; vetoed, graded fair at best"
