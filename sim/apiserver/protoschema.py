"""The Kubernetes protobuf messages the simulated API server decodes, field numbers from the generated.proto files.

Sources: k8s.io/apimachinery pkg/runtime (TypeMeta, Unknown), pkg/apis/meta/v1 (ObjectMeta, LabelSelector, Time),
pkg/api/resource (Quantity), pkg/util/intstr; k8s.io/api core/v1, apps/v1, autoscaling/v1 and autoscaling/v2.
Only what kubectl's generators and client-go's typed clients send is listed (`kubectl create namespace|deployment`,
`kubectl run`, `kubectl autoscale`, `kubectl create configmap|role|rolebinding|...`, `kubectl auth can-i|whoami`,
HPA status and Scale writes, Events, DeleteOptions, reviews); other fields are skipped.

One message per entry: `Name: <number> <jsonName> [type], ...`. Types: str (the default), int, bool, Time,
MicroTime, Quantity, IntOrString, a message name, `[T]` repeated, `{T}` a map from strings to T. A trailing `?`
marks a Go pointer: its zero value is kept, where a plain field's zero value is omitted as `omitempty` would.
"""

from dataclasses import dataclass

SCALARS = frozenset({"str", "int", "bool", "Time", "MicroTime", "Quantity", "IntOrString"})

_SCHEMA = """
ObjectMeta: 1 name, 2 generateName, 3 namespace, 5 uid, 6 resourceVersion, 7 generation int,
    8 creationTimestamp Time, 9 deletionTimestamp Time, 10 deletionGracePeriodSeconds int?, 11 labels {str},
    12 annotations {str}, 13 ownerReferences [OwnerReference], 14 finalizers [str]
OwnerReference: 5 apiVersion, 1 kind, 3 name, 4 uid, 6 controller bool?, 7 blockOwnerDeletion bool?
LabelSelector: 1 matchLabels {str}, 2 matchExpressions [LabelSelectorRequirement]
LabelSelectorRequirement: 1 key, 2 operator, 3 values [str]
DeleteOptions: 1 gracePeriodSeconds int?, 3 orphanDependents bool?, 4 propagationPolicy?, 5 dryRun [str]

Namespace: 1 metadata ObjectMeta, 2 spec NamespaceSpec, 3 status NamespaceStatus
NamespaceSpec: 1 finalizers [str]
NamespaceStatus: 1 phase
Pod: 1 metadata ObjectMeta, 2 spec PodSpec
PodTemplateSpec: 1 metadata ObjectMeta, 2 spec PodSpec
PodSpec: 2 containers [Container], 20 initContainers [Container], 3 restartPolicy,
    4 terminationGracePeriodSeconds int?, 5 activeDeadlineSeconds int?, 6 dnsPolicy, 7 nodeSelector {str},
    8 serviceAccountName, 9 serviceAccount, 21 automountServiceAccountToken bool?, 10 nodeName, 11 hostNetwork bool,
    16 hostname, 17 subdomain, 19 schedulerName, 24 priorityClassName, 25 priority int?
Container: 1 name, 2 image, 3 command [str], 4 args [str], 5 workingDir, 6 ports [ContainerPort], 7 env [EnvVar],
    8 resources ResourceRequirements, 13 terminationMessagePath, 20 terminationMessagePolicy, 14 imagePullPolicy,
    16 stdin bool, 17 stdinOnce bool, 18 tty bool, 24 restartPolicy?
ContainerPort: 1 name, 2 hostPort int, 3 containerPort int, 4 protocol, 5 hostIP
EnvVar: 1 name, 2 value
ResourceRequirements: 1 limits {Quantity}, 2 requests {Quantity}
Event: 1 metadata ObjectMeta, 2 involvedObject ObjectReference, 3 reason, 4 message, 5 source EventSource,
    6 firstTimestamp Time, 7 lastTimestamp Time, 8 count int, 9 type, 10 eventTime MicroTime, 12 action,
    13 related ObjectReference?, 14 reportingComponent, 15 reportingInstance
ObjectReference: 1 kind, 2 namespace, 3 name, 4 uid, 5 apiVersion, 6 resourceVersion, 7 fieldPath
EventSource: 1 component, 2 host

Deployment: 1 metadata ObjectMeta, 2 spec DeploymentSpec
DeploymentSpec: 1 replicas int?, 2 selector LabelSelector?, 3 template PodTemplateSpec, 4 strategy DeploymentStrategy,
    5 minReadySeconds int, 6 revisionHistoryLimit int?, 7 paused bool, 9 progressDeadlineSeconds int?
DeploymentStrategy: 1 type, 2 rollingUpdate RollingUpdateDeployment?
RollingUpdateDeployment: 1 maxUnavailable IntOrString?, 2 maxSurge IntOrString?

Scale: 1 metadata ObjectMeta, 2 spec ScaleSpec, 3 status ScaleStatus
ScaleSpec: 1 replicas int
ScaleStatus: 1 replicas int, 2 selector
CrossVersionObjectReference: 1 kind, 2 name, 3 apiVersion
HorizontalPodAutoscalerCondition: 1 type, 2 status, 3 lastTransitionTime Time, 4 reason, 5 message,
    6 observedGeneration int?
V1HorizontalPodAutoscaler: 1 metadata ObjectMeta, 2 spec V1HorizontalPodAutoscalerSpec,
    3 status V1HorizontalPodAutoscalerStatus
V1HorizontalPodAutoscalerSpec: 1 scaleTargetRef CrossVersionObjectReference, 2 minReplicas int?, 3 maxReplicas int,
    4 targetCPUUtilizationPercentage int?
V1HorizontalPodAutoscalerStatus: 1 observedGeneration int?, 2 lastScaleTime Time, 3 currentReplicas int,
    4 desiredReplicas int, 5 currentCPUUtilizationPercentage int?

HorizontalPodAutoscaler: 1 metadata ObjectMeta, 2 spec HorizontalPodAutoscalerSpec,
    3 status HorizontalPodAutoscalerStatus
HorizontalPodAutoscalerSpec: 1 scaleTargetRef CrossVersionObjectReference, 2 minReplicas int?, 3 maxReplicas int,
    4 metrics [MetricSpec], 5 behavior HorizontalPodAutoscalerBehavior?
HorizontalPodAutoscalerBehavior: 1 scaleUp HPAScalingRules?, 2 scaleDown HPAScalingRules?
HPAScalingRules: 3 stabilizationWindowSeconds int?, 1 selectPolicy?, 2 policies [HPAScalingPolicy],
    4 tolerance Quantity?
HPAScalingPolicy: 1 type, 2 value int, 3 periodSeconds int
MetricSpec: 1 type, 2 object ObjectMetricSource?, 3 pods PodsMetricSource?, 4 resource ResourceMetricSource?,
    7 containerResource ContainerResourceMetricSource?, 5 external ExternalMetricSource?
ResourceMetricSource: 1 name, 2 target MetricTarget
ContainerResourceMetricSource: 1 name, 2 target MetricTarget, 3 container
PodsMetricSource: 1 metric MetricIdentifier, 2 target MetricTarget
ObjectMetricSource: 1 describedObject CrossVersionObjectReference, 2 target MetricTarget, 3 metric MetricIdentifier
ExternalMetricSource: 1 metric MetricIdentifier, 2 target MetricTarget
MetricIdentifier: 1 name, 2 selector LabelSelector?
MetricTarget: 1 type, 2 value Quantity?, 3 averageValue Quantity?, 4 averageUtilization int?
HorizontalPodAutoscalerStatus: 1 observedGeneration int?, 2 lastScaleTime Time, 3 currentReplicas int,
    4 desiredReplicas int, 5 currentMetrics [MetricStatus], 6 conditions [HorizontalPodAutoscalerCondition]
MetricStatus: 1 type, 2 object ObjectMetricStatus?, 3 pods PodsMetricStatus?, 4 resource ResourceMetricStatus?,
    7 containerResource ContainerResourceMetricStatus?, 5 external ExternalMetricStatus?
ResourceMetricStatus: 1 name, 2 current MetricValueStatus
ContainerResourceMetricStatus: 1 name, 2 current MetricValueStatus, 3 container
PodsMetricStatus: 1 metric MetricIdentifier, 2 current MetricValueStatus
ObjectMetricStatus: 1 metric MetricIdentifier, 2 current MetricValueStatus,
    3 describedObject CrossVersionObjectReference
ExternalMetricStatus: 1 metric MetricIdentifier, 2 current MetricValueStatus
MetricValueStatus: 1 value Quantity?, 2 averageValue Quantity?, 3 averageUtilization int?

ConfigMap: 1 metadata ObjectMeta, 2 data {str}, 4 immutable bool?
Role: 1 metadata ObjectMeta, 2 rules [PolicyRule]
ClusterRole: 1 metadata ObjectMeta, 2 rules [PolicyRule], 3 aggregationRule AggregationRule?
PolicyRule: 1 verbs [str], 2 apiGroups [str], 3 resources [str], 4 resourceNames [str], 5 nonResourceURLs [str]
AggregationRule: 1 clusterRoleSelectors [LabelSelector]
RoleBinding: 1 metadata ObjectMeta, 2 subjects [Subject], 3 roleRef RoleRef
Subject: 1 kind, 2 apiGroup, 3 name, 4 namespace
RoleRef: 1 apiGroup, 2 kind, 3 name

TokenReview: 1 metadata ObjectMeta, 2 spec TokenReviewSpec
TokenReviewSpec: 1 token, 2 audiences [str]
SelfSubjectReview: 1 metadata ObjectMeta
SubjectAccessReview: 1 metadata ObjectMeta, 2 spec SubjectAccessReviewSpec
SubjectAccessReviewSpec: 1 resourceAttributes ResourceAttributes?, 2 nonResourceAttributes NonResourceAttributes?,
    3 user, 4 groups [str], 6 uid
ResourceAttributes: 1 namespace, 2 verb, 3 group, 4 version, 5 resource, 6 subresource, 7 name
NonResourceAttributes: 1 path, 2 verb
SelfSubjectRulesReview: 1 metadata ObjectMeta, 2 spec SelfSubjectRulesReviewSpec
SelfSubjectRulesReviewSpec: 1 namespace
"""

KINDS = {  # (apiVersion, kind) of runtime.Unknown's TypeMeta -> message
    ("v1", "Namespace"): "Namespace", ("v1", "Pod"): "Pod", ("v1", "Event"): "Event",
    ("apps/v1", "Deployment"): "Deployment", ("autoscaling/v1", "Scale"): "Scale",
    ("autoscaling/v1", "HorizontalPodAutoscaler"): "V1HorizontalPodAutoscaler",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "HorizontalPodAutoscaler",
    ("v1", "DeleteOptions"): "DeleteOptions", ("meta.k8s.io/v1", "DeleteOptions"): "DeleteOptions",
    ("v1", "ConfigMap"): "ConfigMap",
    **{("rbac.authorization.k8s.io/v1", kind): "RoleBinding" if kind.endswith("Binding") else kind
       for kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")},
    ("authentication.k8s.io/v1", "TokenReview"): "TokenReview",
    ("authentication.k8s.io/v1", "SelfSubjectReview"): "SelfSubjectReview",
    **{("authorization.k8s.io/v1", kind): "SubjectAccessReview"
       for kind in ("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview")},
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): "SelfSubjectRulesReview",
}  # fmt: skip


@dataclass(frozen=True)
class Field:
    """One field of a message."""

    name: str  # its JSON name
    kind: str  # a scalar type or a message name
    repeated: bool = False
    map: bool = False  # map<string, kind>
    pointer: bool = False  # keep the zero value


def _field(text: str) -> tuple[int, Field]:
    number, name, *kind = text.split()
    spec = kind[0] if kind else "str"
    pointer = spec.endswith("?") or name.endswith("?")
    spec, name = spec.rstrip("?"), name.rstrip("?")
    if spec[0] in "[{":
        return int(number), Field(name, spec[1:-1], repeated=spec[0] == "[", map=spec[0] == "{", pointer=pointer)
    return int(number), Field(name, spec, pointer=pointer)


def parse(schema: str) -> dict[str, dict[int, Field]]:
    """Messages from the schema text: continuation lines are indented, blank lines separate groups."""
    joined = schema.replace("\n    ", " ")
    messages: dict[str, dict[int, Field]] = {}
    for line in filter(None, (line.strip() for line in joined.splitlines())):
        name, _, body = line.partition(":")
        messages[name] = dict(_field(text) for text in body.split(","))
    return messages


MESSAGES = parse(_SCHEMA)
