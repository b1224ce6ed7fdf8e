"""Sales models, one module per area; each is imported here so Django finds it."""

from .deals import Deal, DealContact, DealLine, DealSource, DealStageChange, Pipeline, Product, Stage, TaxRate
from .quotes import Quote, QuoteIssuer, QuoteLine, QuoteSequence

__all__ = [
    "Deal",
    "DealContact",
    "DealLine",
    "DealSource",
    "DealStageChange",
    "Pipeline",
    "Product",
    "Quote",
    "QuoteIssuer",
    "QuoteLine",
    "QuoteSequence",
    "Stage",
    "TaxRate",
]
from .journey import JourneyStage, Lifecycle, LifecycleChange, Segment
from .reports import DailyReport, DailyReportItem, ReportComment

__all__ += ["DailyReport", "DailyReportItem", "JourneyStage", "Lifecycle", "LifecycleChange", "ReportComment",
            "Segment"]  # fmt: skip
