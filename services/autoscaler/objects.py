"""The Kubernetes objects one HPA reconcile reads, as msgspec Structs with Kubernetes' field names.

Only what the algorithm uses is declared; everything else in the JSON is ignored. Quantities stay strings here and
are read with `services.lib.quantity`; times stay RFC 3339 strings and are read with `services.lib.timefmt`.
"""

import msgspec

from services.lib import kubeobjects

Meta = kubeobjects.ObjectMeta  # name, namespace, uid, labels, annotations, deletionTimestamp, ...


class MetricTarget(msgspec.Struct, kw_only=True, rename="camel"):
    type: str = ""
    average_utilization: int | None = None
    average_value: str | None = None
    value: str | None = None


class ResourceSource(msgspec.Struct, kw_only=True):
    name: str = ""
    target: MetricTarget = msgspec.field(default_factory=MetricTarget)


class ContainerResourceSource(msgspec.Struct, kw_only=True):
    name: str = ""
    container: str = ""
    target: MetricTarget = msgspec.field(default_factory=MetricTarget)


class MetricSpec(msgspec.Struct, kw_only=True, rename="camel"):
    type: str = ""
    resource: ResourceSource | None = None
    container_resource: ContainerResourceSource | None = None
    pods: dict[str, object] | None = None
    object_: dict[str, object] | None = msgspec.field(default=None, name="object")
    external: dict[str, object] | None = None


class ScalingPolicy(msgspec.Struct, kw_only=True, rename="camel"):
    type: str
    value: int
    period_seconds: int


class ScalingRules(msgspec.Struct, kw_only=True, rename="camel"):
    stabilization_window_seconds: int | None = None
    select_policy: str | None = None
    policies: list[ScalingPolicy] | None = None
    tolerance: str | None = None  # a quantity such as "80m" (0.08); per-direction tolerance, KEP-4951


class Behavior(msgspec.Struct, kw_only=True, rename="camel"):
    scale_up: ScalingRules | None = None
    scale_down: ScalingRules | None = None


class TargetRef(msgspec.Struct, kw_only=True, rename="camel"):
    kind: str = ""
    name: str = ""
    api_version: str = ""


class HPASpec(msgspec.Struct, kw_only=True, rename="camel"):
    scale_target_ref: TargetRef = msgspec.field(default_factory=TargetRef)
    min_replicas: int | None = None
    max_replicas: int = 0
    metrics: list[MetricSpec] = []
    behavior: Behavior | None = None


class Condition(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    type: str
    status: str
    last_transition_time: str | None = None
    reason: str = ""
    message: str = ""


class HPAStatus(msgspec.Struct, kw_only=True, rename="camel"):
    current_replicas: int = 0
    desired_replicas: int = 0
    last_scale_time: str | None = None
    current_metrics: list[dict[str, object]] | None = None
    conditions: list[Condition] | None = None


class HPA(kubeobjects.Object, kw_only=True):
    spec: HPASpec = msgspec.field(default_factory=HPASpec)
    status: HPAStatus = msgspec.field(default_factory=HPAStatus)


class ScaleSpec(msgspec.Struct, kw_only=True):
    replicas: int = 0


class ScaleStatus(msgspec.Struct, kw_only=True):
    replicas: int = 0
    selector: str = ""


class Scale(kubeobjects.Object, kw_only=True):
    spec: ScaleSpec = msgspec.field(default_factory=ScaleSpec)
    status: ScaleStatus = msgspec.field(default_factory=ScaleStatus)


class Resources(msgspec.Struct, kw_only=True):
    requests: dict[str, str] = {}


class Container(msgspec.Struct, kw_only=True, rename="camel"):
    name: str = ""
    resources: Resources = msgspec.field(default_factory=Resources)
    restart_policy: str | None = None  # "Always" on an init container makes it a sidecar


class PodSpec(msgspec.Struct, kw_only=True, rename="camel"):
    containers: list[Container] = []
    init_containers: list[Container] = []
    resources: Resources | None = None  # pod-level resources (PodLevelResources)


class PodCondition(msgspec.Struct, kw_only=True, rename="camel"):
    type: str = ""
    status: str = ""
    last_transition_time: str | None = None


class PodStatus(msgspec.Struct, kw_only=True, rename="camel"):
    phase: str = ""
    start_time: str | None = None
    conditions: list[PodCondition] = []


class Pod(kubeobjects.Object, kw_only=True):
    spec: PodSpec = msgspec.field(default_factory=PodSpec)
    status: PodStatus = msgspec.field(default_factory=PodStatus)


class ContainerMetrics(msgspec.Struct, kw_only=True):
    name: str = ""
    usage: dict[str, str] = {}


class PodMetrics(kubeobjects.Object, kw_only=True):
    timestamp: str | None = None
    window: str = "0s"
    containers: list[ContainerMetrics] = []


class PodList(msgspec.Struct, kw_only=True):
    items: list[Pod] = []


class PodMetricsList(msgspec.Struct, kw_only=True):
    items: list[PodMetrics] = []
