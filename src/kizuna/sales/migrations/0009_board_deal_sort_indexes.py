"""Indexes for the deal board and the deal list, so that neither reads every open deal to show a page of them:

- a board column's cards (one stage, largest amount first) walk `stage_id, amount, id` and stop after a page;
- the list's sorts (updated, amount, title, stage age, created; ties by id) walk an index of the sort column and stop
  after 25 visible rows instead of sorting every visible deal;
- the totals per stage (one GROUP BY over the visible deals of a pipeline) read a covering index of the columns the
  visibility rule and the sums need instead of the table rows.

Plain SQL that SQLite and PostgreSQL share (both scan an index backwards for a descending sort); the deal model's own
indexes stay with the deal core."""

from django.db import migrations

INDEXES = [
    ("sales_deal_stage_amount_idx", "stage_id, amount, id"),
    ("sales_deal_updated_idx", "updated_at, id"),
    ("sales_deal_amount_idx", "amount, id"),
    ("sales_deal_title_idx", "title, id"),
    ("sales_deal_stage_entered_idx", "stage_entered_at, id"),
    ("sales_deal_created_idx", "created_at, id"),
    ("sales_deal_totals_idx", "pipeline_id, stage_id, deleted_at, visibility, team_id, owner_id, amount"),
]


class Migration(migrations.Migration):
    dependencies = [("sales", "0008_capture_deal_origin")]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON sales_deal ({columns})", f"DROP INDEX IF EXISTS {name}"
        )  # fmt: skip
        for name, columns in INDEXES
    ]
