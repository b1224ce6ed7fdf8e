"""Worker jobs of the assistant: training the call-reason and priority classifiers."""

from django.tasks import task

from kizuna.core.tasks import enqueue


@task
def train_models(run_ids: list[int]) -> list[float | None]:
    from .models import AssistModel
    from .services.classifier import train

    return [train(run).accuracy for run in AssistModel.objects.filter(pk__in=run_ids, state="queued")]


def retrain_weekly() -> None:
    """The clock's weekly retraining, so suggestions follow how the center resolves tickets now."""
    from django.db import transaction

    from .models import AssistModel

    with transaction.atomic():
        runs = [AssistModel.objects.create(target=t) for t in AssistModel.Target.values]
        ids = [r.pk for r in runs]
        transaction.on_commit(lambda: enqueue(train_models, ids))
