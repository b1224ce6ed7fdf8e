"""Pages for companies, people, careers and the trash. Each view: access helper, one service call, render."""

from .companies import (
    company_create,
    company_delete,
    company_detail,
    company_edit,
    company_list,
    site_create,
    site_delete,
)  # fmt: skip
from .duplicates import (
    duplicate_dismiss,
    duplicate_list,
    duplicate_merge,
    duplicate_review,
    duplicate_scan,
    duplicate_scan_status,
    merge_list,
    merge_undo,
)  # fmt: skip
from .misc import company_options, export_list, home, quick_search, restore, trash
from .people import (
    employment_create,
    employment_delete,
    employment_edit,
    person_create,
    person_delete,
    person_detail,
    person_edit,
    person_list,
)  # fmt: skip

__all__ = [
    "company_create",
    "company_delete",
    "company_detail",
    "company_edit",
    "company_list",
    "company_options",
    "duplicate_dismiss",
    "duplicate_list",
    "duplicate_merge",
    "duplicate_review",
    "duplicate_scan",
    "duplicate_scan_status",
    "employment_create",
    "employment_delete",
    "employment_edit",
    "export_list",
    "home",
    "merge_list",
    "merge_undo",
    "person_create",
    "person_delete",
    "person_detail",
    "person_edit",
    "person_list",
    "quick_search",
    "restore",
    "site_create",
    "site_delete",
    "trash",
]  # fmt: skip
