"""Derived figures for the forecast and dashboards: per team, rep, pipeline, stage, month (and lost reason) the count
and amounts of the deals, kept by `services/rollup.py` in the same transaction as every save of a deal or a stage
change. Nothing here is a record of its own: `kizuna sales_rollup` rebuilds it from the deals at any time.

Ids are plain integers (0 = none) rather than foreign keys, so that the unique key also holds for "no team" on
PostgreSQL (NULLs never conflict there) and upserts can add to a row (`INSERT … ON CONFLICT … DO UPDATE`)."""

from django.db import models


class DealRollup(models.Model):
    class Basis(models.TextChoices):
        WON = "won"  # won deals by the month of 受注日 (won_on)
        OPEN = "open"  # open deals by the month of 受注予定日 (0: none set), per current stage
        LOST = "lost"  # lost deals by the (local) month they closed, per lost reason
        CREATED = "created"  # deals by the (local) month they were created, per furthest open/won stage reached

    basis = models.CharField(max_length=8, choices=Basis.choices)
    team_id = models.BigIntegerField(default=0)
    owner_id = models.BigIntegerField(default=0)
    pipeline_id = models.BigIntegerField(default=0)
    stage_id = models.BigIntegerField(default=0)
    month = models.IntegerField(default=0)  # yyyymm; 0 = no date
    reason = models.CharField(max_length=300, blank=True, default="")
    n = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)
    amount_at_stage_probability = models.BigIntegerField(default=0)  # open deals without their own probability
    weighted_own = models.BigIntegerField(default=0)  # Σ amount × own probability (percent) of the others
    cycle_ms = models.BigIntegerField(default=0)  # won: Σ (closed_at − created_at) in milliseconds
    cycle_n = models.BigIntegerField(default=0)  # won deals with a close time

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["basis", "team_id", "owner_id", "pipeline_id", "stage_id", "month", "reason"],
                name="deal_rollup_key",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["basis", "owner_id", "month"], name="deal_rollup_owner_idx"),
                   models.Index(fields=["basis", "month"], name="deal_rollup_month_idx")]  # fmt: skip

    def __str__(self):
        return f"{self.basis} {self.month} team {self.team_id} owner {self.owner_id}: {self.n}"
