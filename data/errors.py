"""The one error type bad input raises: it names the file, the row and the column."""


class InputError(ValueError):
    """Bad input, reported as one line: `vms.csv row 17, memory_mb: -512 is not ...`.

    Rows count from 1 at the first data row (the header is not a row).
    """

    def __init__(
        self, message: str, file: str = "", row: int | None = None, column: str = ""
    ) -> None:
        self.file, self.row, self.column, self.message = file, row, column, message
        super().__init__(self.line())

    def line(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", {self.column}" if where else self.column
        return f"{where}: {self.message}" if where else self.message
