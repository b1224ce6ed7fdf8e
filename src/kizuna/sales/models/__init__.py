"""Sales models, one module per area; each is imported here so Django finds it."""

from .deals import Deal, DealContact, DealLine, DealSource, DealStageChange, Pipeline, Product, Stage, TaxRate
from .journey import JourneyStage, Lifecycle, LifecycleChange, Segment
from .quotes import Quote, QuoteIssuer, QuoteLine, QuoteSequence
from .reports import DailyReport, DailyReportItem, ReportComment
from .rollup import DealRollup as DealRollup  # derived figures (services/rollup.py)
from .targets import KpiDefinition, MonthlyReview, SalesSettings, Target

__all__ = [
    "DailyReport", "DailyReportItem", "Deal", "DealContact", "DealLine", "DealSource", "DealStageChange",
    "JourneyStage", "KpiDefinition", "Lifecycle", "LifecycleChange", "MonthlyReview", "Pipeline", "Product", "Quote",
    "QuoteIssuer", "QuoteLine", "QuoteSequence", "ReportComment", "SalesSettings", "Segment", "Stage", "Target",
    "TaxRate",
]  # fmt: skip

from .capture import CapturedDeal  # a deal made by a capture line, for its undo

__all__ += ["CapturedDeal"]
