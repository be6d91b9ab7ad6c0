import io
import zipfile

import pytest

from scoring.services.uploads import UploadRefused, upload_check


def _check(upload):
    return upload_check(name=upload.name, file=upload, size=upload.size)


def test_a_clean_workbook_passes_with_its_digest_and_rows(xlsx):
    upload = xlsx([["unit", "GDP"], ["ZJ01", 1], ["ZJ02", 2]])
    info = _check(upload)
    assert info.rows == 3
    assert len(info.sha256) == 64
    assert upload.tell() == 0


def test_a_csv_renamed_or_not_is_refused(xlsx):
    with pytest.raises(UploadRefused, match="只接受 Excel"):
        upload_check(name="values.csv", file=io.BytesIO(b"a,b"), size=3)
    with pytest.raises(UploadRefused, match="不是有效的 .xlsx"):
        upload_check(name="values.xlsx", file=io.BytesIO(b"unit,GDP\nZJ01,1"), size=15)


def test_a_file_over_the_size_limit_is_refused(xlsx, settings):
    settings.SCORING_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(UploadRefused, match="超过上限"):
        _check(xlsx([["unit"], ["x" * 5000]]))


def test_a_sheet_declaring_too_many_rows_is_refused(xlsx, settings):
    settings.SCORING_UPLOAD_MAX_ROWS = 10
    with pytest.raises(UploadRefused, match="11 行，超过上限 10 行"):
        _check(xlsx([["unit", "GDP"]] + [["ZJ01", 1]] * 10))


def test_a_zip_bomb_is_refused_from_its_directory_alone(settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(UploadRefused, match="压缩炸弹"):
        upload_check(name="bomb.xlsx", file=buffer, size=len(buffer.getvalue()))
    settings.SCORING_UPLOAD_MAX_UNPACKED_BYTES = 10 * 1024 * 1024
    with pytest.raises(UploadRefused, match="解压后达 50.0 MB"):
        upload_check(name="bomb.xlsx", file=buffer, size=len(buffer.getvalue()))


def test_a_damaged_archive_is_refused():
    with pytest.raises(UploadRefused, match="已损坏"):
        upload_check(name="broken.xlsx", file=io.BytesIO(b"PK\x03\x04garbage"), size=11)
