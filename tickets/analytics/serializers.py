"""Query parameters of the analytics endpoints (validated, 400 naming the field) and the
shapes of their answers (rendering and OpenAPI documentation)."""

from rest_framework import serializers

from tickets.analytics.selectors import MTTR_GROUPS
from tickets.analytics.windows import DEFAULT_DAYS, INTERVALS, MAX_DAYS

# --- Input --------------------------------------------------------------------------------


class WindowQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DAYS,
        default=DEFAULT_DAYS,
        help_text=f"Length of the window ending now, in days (1-{MAX_DAYS}, default 30).",
    )


class TrendsQuerySerializer(WindowQuerySerializer):
    interval = serializers.ChoiceField(
        choices=INTERVALS,
        required=False,
        help_text="Add a time series per category with this bucket size (empty buckets are 0).",
    )


class ResolutionTimesQuerySerializer(WindowQuerySerializer):
    by = serializers.ChoiceField(
        choices=list(MTTR_GROUPS),
        required=False,
        help_text="Break the figures down by this dimension.",
    )


# --- Output -------------------------------------------------------------------------------


class WindowSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField(help_text="Start of the window (inclusive): until - days.")
    until = serializers.DateTimeField(help_text="End of the window (inclusive): now.")


class CategoryCountSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='Category slug, or "uncategorised".')
    label = serializers.CharField()
    count = serializers.IntegerField()


class CategorySeriesSerializer(CategoryCountSerializer):
    counts = serializers.ListField(
        child=serializers.IntegerField(), help_text="One count per bucket, in bucket order."
    )


class TrendSeriesSerializer(serializers.Serializer):
    interval = serializers.ChoiceField(choices=INTERVALS)
    buckets = serializers.ListField(
        child=serializers.DateField(), help_text="Local date each day or week (Monday) starts."
    )
    categories = CategorySeriesSerializer(many=True)


class TrendsSerializer(WindowSerializer):
    total = serializers.IntegerField(help_text="Tickets created in the window.")
    categories = CategoryCountSerializer(many=True, help_text="By decreasing count.")
    series = TrendSeriesSerializer(allow_null=True, help_text="Only with ?interval=.")


class ResolutionFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Tickets resolved in the window.")
    mean_seconds = serializers.FloatField(allow_null=True)
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)


class ResolutionGroupSerializer(ResolutionFiguresSerializer):
    key = serializers.CharField(
        help_text='Slug, priority name or username; "uncategorised", "none" (no department) '
        'or "unassigned" when missing.'
    )
    label = serializers.CharField()


class ResolutionTimesSerializer(WindowSerializer, ResolutionFiguresSerializer):
    by = serializers.ChoiceField(choices=list(MTTR_GROUPS), allow_null=True)
    groups = ResolutionGroupSerializer(many=True, help_text="Empty without ?by=.")


class FirstResponseFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="Tickets created in the window that have a first response."
    )
    mean_seconds = serializers.FloatField(allow_null=True)
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)
    awaiting = serializers.IntegerField(
        help_text="Tickets created in the window, unresolved (open or PENDING), with no first "
        "response yet."
    )


class FirstResponseGroupSerializer(FirstResponseFiguresSerializer):
    key = serializers.CharField(
        help_text='Slug, priority name or username; "uncategorised", "none" (no department) '
        'or "unassigned" when missing.'
    )
    label = serializers.CharField()


class FirstResponseSerializer(WindowSerializer, FirstResponseFiguresSerializer):
    by = serializers.ChoiceField(choices=list(MTTR_GROUPS), allow_null=True)
    groups = FirstResponseGroupSerializer(many=True, help_text="Empty without ?by=.")


class BacklogGroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Open tickets (OPEN and IN_PROGRESS).")
    unassigned = serializers.IntegerField(help_text="Open tickets assigned to nobody.")
    pending = serializers.IntegerField(
        help_text="PENDING tickets (waiting on the requester), apart from the open ones."
    )


class BacklogDepartmentSerializer(BacklogGroupSerializer):
    by_age = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Open tickets (not the PENDING ones) per age bucket key.",
    )


class BacklogSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(help_text="Ages are measured from this instant.")
    total = serializers.IntegerField(help_text="Open tickets (OPEN and IN_PROGRESS).")
    unassigned = serializers.IntegerField(help_text="Open tickets assigned to nobody.")
    pending = serializers.IntegerField(
        help_text="PENDING tickets (waiting on the requester): not in `total`."
    )
    by_age = BacklogGroupSerializer(
        many=True, help_text="lt_1d, 1_3d, 3_7d, 7_30d, gt_30d: age < 1 day, 1 <= age < 3, ..."
    )
    by_priority = BacklogGroupSerializer(many=True)
    by_department = BacklogDepartmentSerializer(many=True)
    by_category = BacklogGroupSerializer(many=True)


class AgentFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The agent's user id.")
    username = serializers.CharField()
    department = serializers.CharField(help_text="Department slug.")
    department_name = serializers.CharField()
    is_available = serializers.BooleanField()
    capacity = serializers.IntegerField(allow_null=True, help_text="null: unlimited.")
    open_load = serializers.IntegerField(
        help_text="OPEN + IN_PROGRESS tickets now (PENDING ones are not in the load)."
    )
    assigned = serializers.IntegerField(
        help_text="Tickets now assigned to the agent and created in the window."
    )
    resolved = serializers.IntegerField(help_text="Their tickets resolved in the window.")
    median_seconds = serializers.FloatField(allow_null=True)


class AgentsSerializer(WindowSerializer):
    agents = AgentFiguresSerializer(many=True)


class TriageFiguresSerializer(serializers.Serializer):
    tickets = serializers.IntegerField(help_text="Decisions on tickets created in the window.")
    model = serializers.IntegerField(help_text="Decided by the trained model.")
    keywords = serializers.IntegerField(help_text="Decided by the keyword rules.")
    none = serializers.IntegerField(help_text="Decided by nobody (no category, General).")
    corrected = serializers.IntegerField(help_text="Whose category a person then changed.")
    misrouted = serializers.IntegerField(help_text="Corrected into another department.")
    reassigned = serializers.IntegerField(
        help_text="Reassigned at least once (by hand, or routed again after a category change)."
    )
    correction_rate = serializers.FloatField(allow_null=True, help_text="corrected / tickets.")
    misroute_rate = serializers.FloatField(allow_null=True, help_text="misrouted / tickets.")
    reassignment_rate = serializers.FloatField(allow_null=True, help_text="reassigned / tickets.")


class TriageCategorySerializer(TriageFiguresSerializer):
    key = serializers.CharField(help_text='Slug of the category decided, or "uncategorised".')
    label = serializers.CharField()


class TriageModelSerializer(TriageFiguresSerializer):
    version = serializers.CharField(
        allow_null=True, help_text="Model version; null: decided by keywords or by nobody."
    )
    is_active = serializers.BooleanField()
    threshold = serializers.FloatField(
        allow_null=True,
        help_text="The model's learnt global confidence threshold (metrics.policy.threshold; "
        "categories may have their own); null: none recorded, or the target precision was "
        "unreachable and the model decides nothing.",
    )
    categories = TriageCategorySerializer(many=True, help_text="By decreasing tickets.")


class TriageSerializer(WindowSerializer):
    active_model = serializers.CharField(allow_null=True)
    threshold = serializers.FloatField(
        allow_null=True,
        help_text="The confidence threshold in force: ML_CONFIDENCE_THRESHOLD when set (it "
        "overrides the models), else the active model's learnt global threshold; null: no "
        "active model, or one that decides nothing.",
    )
    threshold_source = serializers.ChoiceField(choices=["model", "setting"])
    total = TriageFiguresSerializer()
    models = TriageModelSerializer(many=True, help_text="Newest version first; null last.")
    categories = TriageCategorySerializer(
        many=True, help_text="Per category decided, by decreasing tickets."
    )


class AnalyticsRootSerializer(serializers.Serializer):
    trends = serializers.URLField()
    mttr = serializers.URLField()
    first_response = serializers.URLField()
    backlog = serializers.URLField()
    agents = serializers.URLField()
    triage = serializers.URLField()
    sla = serializers.URLField()
    sla_at_risk = serializers.URLField()
    dashboard = serializers.URLField()


# --- Service levels (tickets/analytics/sla.py) --------------------------------------------


class SlaFiguresSerializer(serializers.Serializer):
    met = serializers.IntegerField(help_text="Targets met whose reply/resolution is in the window.")
    breached = serializers.IntegerField(help_text="Targets breached whose due is in the window.")
    share = serializers.FloatField(allow_null=True, help_text="met / (met + breached); null: none.")


class SlaComplianceSerializer(serializers.Serializer):
    first_response = SlaFiguresSerializer()
    resolution = SlaFiguresSerializer()


class SlaGroupSerializer(SlaComplianceSerializer):
    key = serializers.CharField(
        help_text='Priority name, department slug or username; "none" (no department) or '
        '"unassigned" when missing.'
    )
    label = serializers.CharField()


class SlaBreachSeriesSerializer(serializers.Serializer):
    buckets = serializers.ListField(
        child=serializers.DateField(), help_text="Local dates (TIME_ZONE), one per day."
    )
    first_response = serializers.ListField(child=serializers.IntegerField())
    resolution = serializers.ListField(child=serializers.IntegerField())


class SlaSerializer(WindowSerializer, SlaComplianceSerializer):
    by_priority = SlaGroupSerializer(many=True)
    by_department = SlaGroupSerializer(many=True)
    by_agent = SlaGroupSerializer(many=True, help_text="By the tickets' current assignee.")
    breaches = SlaBreachSeriesSerializer(help_text="Breaches per day, by due date.")


class SlaAtRiskTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    priority = serializers.CharField()
    status = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    assigned_to = serializers.CharField(allow_null=True, help_text="Username.")
    first_response_due = serializers.DateTimeField(
        allow_null=True, help_text="null: answered already, or no target."
    )
    resolution_due = serializers.DateTimeField(allow_null=True)


class SlaAtRiskSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField()
    at_risk = serializers.IntegerField(help_text="Unresolved tickets at risk, none breached.")
    breached = serializers.IntegerField(help_text="Unresolved tickets with a target breached.")
    tickets = SlaAtRiskTicketSerializer(
        many=True, help_text="The first 20 at risk, soonest resolution due first."
    )
