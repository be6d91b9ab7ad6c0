"""CSV as Excel on a Chinese Windows reads and writes it."""

from import_export.formats.base_formats import CSV

# Excel takes a CSV without this mark for the system's code page and garbles Chinese.
UTF8_BOM = "\ufeff"


class ExcelCSV(CSV):
    """CSV exported as UTF-8 with a byte-order mark, imported as UTF-8 or, when that fails,
    as GBK (GB 18030): what Excel saves under "CSV (逗号分隔)" on a Chinese Windows."""

    def is_binary(self):
        # Bytes in and out: the admin's own decoding knows one encoding only.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("gb18030")
        return super().create_dataset(in_stream, **kwargs)

    def export_data(self, dataset, **kwargs):
        return (UTF8_BOM + super().export_data(dataset, **kwargs)).encode("utf-8")
