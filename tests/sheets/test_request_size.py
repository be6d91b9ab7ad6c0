"""A request body larger than any upload we accept is refused before anything reads it."""

import io

import pytest
from django.test import Client

from config.request_size import request_size_limit

pytestmark = pytest.mark.django_db

INDEX = "/entry/sheets/"


class Unreadable(io.RawIOBase):
    """A request body that fails the test when anything reads it."""

    def read(self, size=-1):
        raise AssertionError("the oversized body was read")

    readline = read


def test_an_oversized_upload_is_refused_with_413_before_it_is_read(settings):
    """Anonymous, and the CSRF check would read the form for its token: nothing gets that
    far."""
    settings.SCORING_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    visitor = Client(enforce_csrf_checks=True)
    visitor.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32  # a token the form would have to match
    response = visitor.generic(
        "POST",
        INDEX,
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(request_size_limit() + 1),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert "上传的文件最大 20.0 MB" in response.content.decode()


def test_the_limit_follows_the_upload_limit(client, settings, scorer):
    settings.SCORING_UPLOAD_MAX_BYTES = 40 * 1024 * 1024
    client.force_login(scorer)
    response = client.generic(
        "POST",
        INDEX,
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(30 * 1024 * 1024),
        **{"wsgi.input": io.BytesIO(b"")},
    )
    assert response.status_code != 413


def test_a_normal_upload_still_goes_to_its_preview(client, district, scorer, xlsx):
    client.force_login(scorer)
    upload = xlsx([["unit", "GDP"], ["ZJ01", 19]])
    response = client.post(INDEX, {"period": "Q1", "file": upload}, follow=True)
    assert "预览：将变更 1 个数值" in response.content.decode()


def test_a_body_without_content_length_is_let_through_unread(settings):
    """Chunked: Django reads no more of a body than its Content-Length, so none of this one."""
    visitor = Client(enforce_csrf_checks=True)
    visitor.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    response = visitor.generic(
        "POST",
        INDEX,
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 403  # the CSRF check found no token: it read nothing
