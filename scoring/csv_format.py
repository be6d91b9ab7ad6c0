"""CSV as Excel on a Chinese Windows reads and writes it."""

import codecs

from import_export.formats.base_formats import CSV

# Excel takes a CSV without this mark for the system's code page and garbles Chinese.
UTF8_BOM = "\ufeff"


def csv_text(data: bytes) -> str:
    """Return the CSV's text: UTF-8 (with its byte-order mark or without), UTF-16 where its
    byte-order mark says so (other programs' "Unicode CSV"), else GBK (GB 18030), what Excel
    saves under "CSV (逗号分隔)" on a Chinese Windows. Raises UnicodeDecodeError for bytes
    that are none of them."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


class ExcelCSV(CSV):
    """CSV exported as UTF-8 with a byte-order mark, imported as csv_text reads it."""

    def is_binary(self):
        # Bytes in and out: the admin's own decoding knows one encoding only.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = csv_text(in_stream)
        # Excel's "Unicode 文本 (*.txt)", the way to keep Chinese intact from an Excel that
        # saves CSV in GBK, separates its columns by tabs: its header line holds no comma.
        header = in_stream.partition("\n")[0]
        if "\t" in header and "," not in header:
            kwargs.setdefault("delimiter", "\t")
        return super().create_dataset(in_stream, **kwargs)

    def export_data(self, dataset, **kwargs):
        return (UTF8_BOM + super().export_data(dataset, **kwargs)).encode("utf-8")
