"""Sales models, one module per area; each is imported here so Django finds it."""

from .deals import Deal, DealContact, DealLine, DealSource, DealStageChange, Pipeline, Product, Stage, TaxRate
from .targets import KpiDefinition, MonthlyReview, SalesSettings, Target

__all__ = [
    "Deal",
    "DealContact",
    "DealLine",
    "DealSource",
    "DealStageChange",
    "KpiDefinition",
    "MonthlyReview",
    "Pipeline",
    "Product",
    "SalesSettings",
    "Stage",
    "Target",
    "TaxRate",
]
