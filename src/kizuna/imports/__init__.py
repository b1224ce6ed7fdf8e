"""Reading contact lists (CSV, TSV, Excel, vCard) and mapping their columns to Kizuna's fields.

`readers` turns a file into a `Table` (headers + lazily produced rows of strings); `mapping` guesses which
column is which field and turns one row into the data dict the contacts services take. Both are pure Python
and touch no database, so the import service, the UI preview and the CLI share them.
"""
