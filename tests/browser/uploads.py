"""Uploading a workbook through a page's upload form, as a person picks a file."""

import io

import openpyxl

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_upload(page, workbook, name: str) -> None:
    """Pick the openpyxl workbook, saved as `name`, in the page's upload form and send it."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    page.set_input_files(
        "input[name=file]",
        files=[{"name": name, "mimeType": XLSX, "buffer": buffer.getvalue()}],
    )
    page.click("form.upload-form button[type=submit]")
    page.wait_for_load_state()


def xlsx_download(page, link: str, folder):
    """Click the download `link` (a selector), keep the file in `folder`; return its suggested
    name and the workbook as openpyxl reads it."""
    with page.expect_download() as download:
        page.click(link)
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return download.value.suggested_filename, openpyxl.load_workbook(path)
