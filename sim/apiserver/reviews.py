"""Answers to the review resources, from the same identities and RBAC that guard every request (pure).

TokenReview (authentication.k8s.io/v1) says whom a bearer token names; SelfSubjectReview whom the caller is
(`kubectl auth whoami`); SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectAccessReview (authorization.k8s.io
/v1) whether someone may do something (`kubectl auth can-i`); SelfSubjectRulesReview what the caller may do in a
namespace (`kubectl auth can-i --list`). Answers are the request with a status, as kube-apiserver returns them (201).
"""

from collections.abc import Mapping
from typing import Any

from sim import identities
from sim.apiserver import errors, rbac
from sim.apiserver import resources as r
from sim.apiserver.authn import User, authenticated
from sim.apiserver.resources import Obj, Resource

API_AUDIENCES = ["https://kubernetes.default.svc.cluster.local"]  # kube-apiserver's --api-audiences default


def _user_info(user: User) -> Obj:
    info: Obj = {"username": user.name, **({"uid": user.uid} if user.uid else {}), "groups": list(user.groups)}
    return info | ({"extra": {key: list(values) for key, values in user.extra.items()}} if user.extra else {})


def _answer(resource: Resource, body: Obj, status: Obj, *, spec: bool = True) -> Obj:
    """The review as sent (metadata, spec) with its status."""
    answer: Obj = {"kind": resource.kind, "apiVersion": resource.api_version,
                   "metadata": {"creationTimestamp": None, **(body.get("metadata") or {})}}  # fmt: skip
    if spec:
        answer["spec"] = body.get("spec") or {}
    answer["status"] = status
    return answer


def token_review(body: Obj, tokens: Mapping[str, identities.Identity]) -> Obj:
    """Whom spec.token names; ApiError 400 without a token."""
    spec = body.get("spec") or {}
    token = spec.get("token")
    if not token:
        raise errors.bad_request("token is required for TokenReview in authentication.k8s.io")
    identity = tokens.get(token)
    if identity is None:
        return _answer(r.TOKEN_REVIEWS, body, {"user": {}})
    status = {"authenticated": True, "user": _user_info(authenticated(identity)),
              "audiences": spec.get("audiences") or API_AUDIENCES}  # fmt: skip
    return _answer(r.TOKEN_REVIEWS, body, status)


def _attributes(kind: str, spec: Obj, namespace: str = "") -> rbac.Attributes:
    """The request a *SubjectAccessReview asks about; ApiError 422 unless exactly one kind of attributes is given."""
    resource: Obj | None = spec.get("resourceAttributes")
    path: Obj | None = spec.get("nonResourceAttributes")
    if (resource is None) == (path is None):
        field = "spec.resourceAttributes" if resource is None else "spec.nonResourceAttributes"
        detail = "exactly one of nonResourceAttributes or resourceAttributes must be specified"
        cause = errors.field_required(field, detail) if resource is None else errors.field_invalid(field, "", detail)
        raise errors.invalid_object(kind, "authorization.k8s.io", "", [cause])
    if resource is None:
        assert path is not None
        return rbac.Attributes(verb=path.get("verb", ""), resource_request=False, path=path.get("path", ""))
    if namespace and resource.get("namespace", namespace) != namespace:
        raise errors.bad_request(f"spec.resourceAttributes.namespace must match namespace: {namespace}")
    return rbac.Attributes(
        verb=resource.get("verb", ""), group=resource.get("group", ""), version=resource.get("version", ""),
        namespace=namespace or resource.get("namespace", ""), resource=resource.get("resource", ""),
        subresource=resource.get("subresource", ""), name=resource.get("name", ""),
    )  # fmt: skip


def _subject(kind: str, spec: Obj) -> User:
    if not spec.get("user") and not spec.get("groups"):
        cause = errors.field_invalid("spec.user", "", "at least one of user or group must be specified")
        raise errors.invalid_object(kind, "authorization.k8s.io", "", [cause])
    extra = {key: tuple(values) for key, values in (spec.get("extra") or {}).items()}
    return User(spec.get("user", ""), tuple(spec.get("groups") or ()), spec.get("uid", ""), extra)


def access_review(resource: Resource, body: Obj, caller: User, namespace: str, policy: rbac.Policy) -> Obj:
    """Whether the spec's user (or, for SelfSubjectAccessReview, the caller) may do what the spec asks."""
    spec = body.get("spec") or {}
    local = resource is r.LOCAL_SUBJECT_ACCESS_REVIEWS
    attributes = _attributes(resource.kind, spec, namespace if local else "")
    if local and not attributes.resource_request:
        raise errors.bad_request("nonResourceAttributes is not allowed on a LocalSubjectAccessReview")
    subject = caller if resource is r.SELF_SUBJECT_ACCESS_REVIEWS else _subject(resource.kind, spec)
    allowed, reason = rbac.decide(subject, attributes, policy)
    return _answer(resource, body, {"allowed": allowed, **({"reason": reason} if reason else {})})


def rules_review(body: Obj, caller: User, policy: rbac.Policy) -> Obj:
    """What the caller may do in spec.namespace."""
    namespace = (body.get("spec") or {}).get("namespace", "")
    if not namespace:
        raise errors.bad_request("no namespace on request")
    resource_rules, url_rules = rbac.rules_for(caller, namespace, policy)
    status = {"resourceRules": resource_rules, "nonResourceRules": url_rules, "incomplete": False}
    return _answer(r.SELF_SUBJECT_RULES_REVIEWS, {"metadata": body.get("metadata"), "spec": {}}, status)


def answer(resource: Resource, body: Any, caller: User, namespace: str, policy: rbac.Policy,
           tokens: Mapping[str, identities.Identity]) -> Obj:  # fmt: skip
    """The answer to a review of any kind; ApiError 400 for a body that is not an object."""
    if not isinstance(body, dict):
        raise errors.bad_request(f"the body of the request is not a {resource.kind} object")
    if resource is r.TOKEN_REVIEWS:
        return token_review(body, tokens)
    if resource is r.SELF_SUBJECT_REVIEWS:
        return _answer(resource, body, {"userInfo": _user_info(caller)}, spec=False)
    if resource is r.SELF_SUBJECT_RULES_REVIEWS:
        return rules_review(body, caller, policy)
    return access_review(resource, body, caller, namespace, policy)
