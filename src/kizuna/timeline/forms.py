from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.forms import KEEP, ServiceForm
from kizuna.contacts.models import Person
from kizuna.core import visibility
from kizuna.core.permissions import Visibility

from .models import Activity, Confidence, Insight, Source

_PICKABLE_SOURCES = [(v, label) for v, label in Source.choices if v not in ("import", "api", "capture")]


class ActivityForm(ServiceForm):
    kind = forms.ChoiceField(label=_("種類"), choices=Activity.Kind.choices, initial=Activity.Kind.VISIT)
    occurred_at = forms.DateTimeField(
        label=_("日時"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    duration_minutes = forms.IntegerField(label=_("所要時間（分）"), required=False, min_value=0, max_value=1440)
    subject = forms.CharField(label=_("件名"), max_length=200, required=False)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    source = forms.ChoiceField(label=_("情報源"), choices=_PICKABLE_SOURCES, initial=Source.VISIT)
    heard_from = forms.TypedChoiceField(label=_("誰から聞いたか"), required=False, coerce=int, empty_value=None)
    confidence = forms.ChoiceField(label=_("確度"), choices=Confidence.choices, initial=Confidence.CERTAIN)
    visibility = forms.ChoiceField(label=_("公開範囲"), choices=Visibility.choices, initial=Visibility.TEAM)

    def __init__(self, *args, people=(), user=None, heard_from=None, **kwargs):
        """`people`: the choices for 誰から聞いたか (visible to the user); `heard_from`: the activity's current
        one, offered as its placeholder when the user may not see it (saving then leaves it as it is)."""
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(p.pk, str(p)) for p in people]
        self.hidden_heard_from = None
        if heard_from is not None and not visibility.viewer_for(user).sees(heard_from):
            self.hidden_heard_from = heard_from.pk
            choices.append((heard_from.pk, visibility.placeholder(Person)))
        elif heard_from is not None and heard_from.pk not in {p.pk for p in people}:
            choices.append((heard_from.pk, str(heard_from)))
        self.fields["heard_from"].choices = choices

    def clean_heard_from(self):
        value = self.cleaned_data.get("heard_from")
        return KEEP if value is not None and value == self.hidden_heard_from else value

    @staticmethod
    def initial_for(activity: Activity) -> dict:
        initial = {f: getattr(activity, f) for f in (
            "kind", "occurred_at", "duration_minutes", "subject", "body", "source", "confidence", "visibility",
            "version",
        )}  # fmt: skip
        initial["heard_from"] = activity.heard_from_id
        return initial


class InsightForm(ServiceForm):
    statement = forms.CharField(label=_("内容"), max_length=300, help_text=_("例: 仕様には厳しいが納期には寛容"))
    category = forms.ChoiceField(label=_("分類"), choices=Insight.Category.choices)
    confidence = forms.ChoiceField(label=_("確度"), choices=Confidence.choices, initial=Confidence.LIKELY)
    source = forms.ChoiceField(label=_("情報源"), choices=_PICKABLE_SOURCES, initial=Source.VISIT)
    visibility = forms.ChoiceField(label=_("公開範囲"), choices=Visibility.choices, initial=Visibility.TEAM)


class FollowUpForm(ServiceForm):
    title = forms.CharField(label=_("タスク"), max_length=200)
    due_date = forms.CharField(label=_("期日"), required=False, help_text=_("例: 12/4、来週金曜、3日後"))
