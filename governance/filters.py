import django_filters

from governance.models import MeetingKind, MeetingStatus, ScreeningOutcomeKind


class MeetingFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices)
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices)


class ScreeningFilter(django_filters.FilterSet):
    outcome = django_filters.ChoiceFilter(field_name="outcome__kind",
                                          choices=ScreeningOutcomeKind.choices)
