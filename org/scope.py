"""The scope gateway: who may see and do what (DESIGN.md "Scope"; STYLE.md §3).

`Model.objects.restrict(principal, action)` is the only way views, APIs, exports and
selectors read scoped rows. It returns one queryset, one SQL statement: the model's
own scope rule OR-ed with explicit django-guardian object grants (direct-FK tables).
Rows that are missing and rows that are forbidden look alike to callers: both are
simply absent, so detail views answer 404 for either.

Each scoped model implements `scope_q(scope, action, prefix="") -> Q | None`, where
None means "no restriction" and the prefix lets a child model reuse its parent's rule
(a Task is visible when its Case is).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import connection, connections, models
from django.db.models import F, Q, Subquery, Value
from django.db.models.expressions import Col, RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND

from core import versions

if TYPE_CHECKING:
    from org.models import User


class Action:
    VIEW = "view"
    CHANGE = "change"  # work on it: comment, attach, complete own tasks
    ASSIGN = "assign"  # assign and reassign tasks
    MANAGE = "manage"  # open, close and cancel cases
    PUBLIC = "public"  # published facts anyone may read (public look-up, white list)


NOTHING = Q(pk__in=[])
#: The Query attribute holding a rule's alternatives (`ScopedQuerySet._merged`).
MERGED_PARTS = "scope_merged_parts"


@dataclass(frozen=True)
class Scope:
    """What the gateway needs to know about a principal, computed once per request."""

    kind: str  # "user", "client", "anonymous"
    role: str | None = None
    user_id: int | None = None
    unrestricted: bool = False
    region_path: str | None = None  # the subtree the principal works in
    county_code: str = ""
    department_id: int | None = None
    department_type: str | None = None
    institution_id: int | None = None
    client_region_paths: tuple[str, ...] = ()
    client_scopes: frozenset[str] = field(default_factory=frozenset)
    group_ids: tuple[int, ...] = ()
    #: The models (labels) on whose rows the user holds django-guardian grants, when
    #: known (a user read by `org.auth.PortalModelBackend`); None: not known, every
    #: grant subquery is kept.
    grant_labels: frozenset[str] | None = None

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    @property
    def at_county(self) -> bool:
        """A user working at county level: the region test is then an equality on a
        county code (`region_q` with a `county_field`)."""
        return bool(self.kind == "user" and self.county_code and self.region_path
                    and self.region_path.endswith(f"/{self.county_code}/"))

    def region_q(self, prefix: str, region_field: str = "region",
                 county_field: str | None = None) -> Q:
        """Rows whose region lies in the principal's subtree (one indexed prefix test).

        A model that keeps its county's code (`org.models.CountyCoded`) names that column
        in `county_field`; a principal working at county level then reads one equality on
        its `(county_code, id)` index, even for a county with no rows (issue 13)."""
        lookup = f"{prefix}{region_field}__path__startswith"
        if self.kind == "client":
            q = NOTHING
            for path in self.client_region_paths:
                q |= Q(**{lookup: path})
            return q
        if not self.region_path:
            return NOTHING
        if county_field and self.at_county:
            return Q(**{f"{prefix}{county_field}": self.county_code})
        return Q(**{lookup: self.region_path})


ANONYMOUS = Scope(kind="anonymous")


def scope_of(principal: Any) -> Scope:
    """Build (and cache on the principal) the Scope of a user or API client."""
    if principal is None or not getattr(principal, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(principal, "_scope_cache", None)
    if cached is not None:
        return cached
    from org.auth import ClientPrincipal

    if isinstance(principal, ClientPrincipal):
        scope = Scope(
            kind="client",
            client_region_paths=principal.region_paths,
            client_scopes=frozenset(principal.client.scopes or []),
        )
    else:
        scope = _user_scope(principal)
    principal._scope_cache = scope
    return scope


def principal_key(principal: Any) -> Hashable:
    """Whom a list's rows are for, as a key (`LIST_QUERY_PRINCIPAL_KEY`, read by
    `core.api.listcache`): the principal's Scope, which holds what every rule reads of it
    (its role, region, department, institution, user id), and the principal itself (an
    API client by its record)."""
    client = getattr(principal, "client", None)
    return (scope_of(principal), type(principal).__name__, getattr(principal, "pk", None),
            getattr(client, "pk", None))


def _user_scope(user: User) -> Scope:
    from org.models import Role

    if not user.is_active:
        return ANONYMOUS
    unrestricted = bool(user.is_superuser or user.role == Role.SYSTEM_ADMIN)
    department = user.department
    # Department roles work in their department's region (a grid officer's town); the
    # user's own region (the grid) narrows nothing the department may see.
    region = department.region if department is not None else user.region
    return Scope(
        kind="user",
        role=user.role,
        user_id=user.pk,
        unrestricted=unrestricted,
        region_path=region.path if region else None,
        county_code=region.county_code if region else "",
        department_id=department.pk if department else None,
        department_type=department.type if department else None,
        institution_id=getattr(user, "institution_id", None),
        group_ids=(),
        grant_labels=getattr(user, "_grant_labels", None),
    )


@dataclass(frozen=True)
class _Built:
    query: Any  # django.db.models.sql.Query
    reads: tuple[tuple[str, Any], ...]


#: Restrictions built, per (model, action, own, Scope): least recently used dropped.
_built: OrderedDict[tuple[Any, ...], _Built] = OrderedDict()
_built_lock = threading.Lock()
BUILT_SIZE = 512
_FRESH_QUERYSET = {"_db": None, "_hints": {}, "_result_cache": None, "_sticky_filter": False,
                   "_for_write": False, "_prefetch_related_lookups": (),
                   "_prefetch_done": False, "_known_related_objects": {},
                   "_fields": None, "_defer_next_filter": False, "_deferred_filter": None}


def _pristine(qs: models.QuerySet) -> bool:
    """A model's whole table as its manager gives it: nothing filtered, joined, ordered
    or selected yet (Django's Query keeps only what differs from its class defaults in
    its instance dict; a fresh one holds the same entries)."""
    from django.db.models.query import ModelIterable

    state = vars(qs)
    if qs._iterable_class is not ModelIterable or any(
            state.get(k, v) != v for k, v in _FRESH_QUERYSET.items()):
        return False
    return vars(qs.query) == _fresh_query_state(qs.model)


@functools.cache
def _fresh_query_state(model: type[models.Model]) -> dict[str, Any]:
    """The instance dict of a fresh Query of `model` (compared, never changed)."""
    from django.db.models.sql import Query

    return dict(vars(Query(model)))


def forget_built() -> None:
    """Drop every restriction built, and every list compiled from them (tests start with
    none)."""
    from core.api import listcache

    with _built_lock:
        _built.clear()
    listcache.forget()


class ScopedQuerySet(models.QuerySet):
    """Adds `restrict(principal, action)` to a model's queryset."""

    def restrict(self, principal: Any, action: str = Action.VIEW, *, own: bool = False
                 ) -> Self:
        """The rows `principal` may `action` (`_restrict`).

        Built once per (model, action, Scope) and reused (issue 13): a rule is a pure
        function of the Scope and of versioned data it notes reading (the policy
        profile, `versioned`/`note_read`), so the Query built for a model's whole table
        serves every later request of the same Scope, cloned, while that data is at the
        same version. Building an officer's task rule (its case rule's subqueries, the
        matrix) took longer than running the list it restricts. Only a queryset that is
        still the whole table is served so; anything else builds the rule as before."""
        scope = scope_of(principal)
        if (not settings.SCOPE_QUERY_CACHE or (scope.unrestricted and action != Action.PUBLIC)
                or not _pristine(self)):
            return self._restrict(scope, action, own)
        key = (self.model, action, own, scope)
        with _built_lock:
            built = _built.get(key)
            if built is not None:
                _built.move_to_end(key)
        if built is not None and versions.current(built.reads):
            versions.replay(built.reads)  # for a query being built around this one
            clone = self._chain()
            clone.query = built.query.chain()
            return clone
        with versions.recording() as reads:
            qs = self._restrict(scope, action, own)
        settled = versions.settled(reads)
        if settled is None:
            return qs  # the data changed while the rule was built: not kept
        with _built_lock:
            _built[key] = _Built(qs.query.clone(), settled)
            _built.move_to_end(key)
            while len(_built) > BUILT_SIZE:
                _built.popitem(last=False)
        return qs

    def _restrict(self, scope: Scope, action: str, own: bool) -> Self:
        """The rows of `scope` may `action`.

        `own=True` (VIEW): only the part of the VIEW rule a model names as the principal's
        own rows (`own_q`: one of the parts the rule ORs, so never more than the whole
        rule shows, and without grants), for a page that lists only those: a department's
        queue. A model, or a principal, with no own part reads the whole rule. The own
        part alone is a few index conditions, where building and compiling the whole rule
        (its subqueries) was 40 % of an officer's 待办 call (issue 13)."""
        if scope.unrestricted and action != Action.PUBLIC:
            return self.all()  # (PUBLIC facts go through the rule, for admins too)
        own_q = getattr(self.model, "own_q", None)
        if own and action == Action.VIEW and own_q is not None:
            part = own_q(scope)
            if part is not None:
                return self.filter(part)
        q = self.model.scope_q(scope, action)
        if q is None:
            return self.all()
        grants = _grant_q(self.model, scope, action)
        if grants is not None:
            q = q | grants
        before = len(self.query.where.children)
        qs = self.filter(q)
        parts_of = getattr(self.model, "scope_parts", None)
        parts = parts_of(scope, action) if parts_of is not None else None
        if parts and self.query.where.connector == AND and not self.query.where.negated:
            if grants is not None:  # each grant table its own alternative
                parts = [*parts, *(c if isinstance(c, Q) else Q(c) for c in grants.children)]
            rule = (before, len(qs.query.where.children))
            setattr(qs.query, MERGED_PARTS, (tuple(parts), rule))
        return qs

    def __getitem__(self, k: Any) -> Any:
        """A page (a slice with an end) of a rule that a model splits into alternatives
        (`scope_parts`) is read as the merge of each alternative's first rows: see
        `_merged`. Anything else is Django's slice."""
        merged = getattr(self.query, MERGED_PARTS, None)
        if (merged and isinstance(k, slice) and k.step is None and k.stop is not None
                and isinstance(k.stop, int) and isinstance(k.start, int | None)
                and 0 <= (k.start or 0) <= k.stop and self._result_cache is None
                and not self.query.is_sliced and not self.query.combinator
                and not self.query.distinct and self.query.can_filter()
                and (self.query.order_by or (self.query.default_ordering
                                              and self.model._meta.ordering))
                and connections[self.db].features.supports_slicing_ordering_in_compound):
            return self._merged(*merged, k.start or 0, k.stop)
        return super().__getitem__(k)

    def _merged(self, parts: tuple[Q, ...], rule: tuple[int, int], start: int, stop: int
                ) -> Self:
        """Rows `start:stop` of this queryset in its order, read as the union of each
        alternative's first `stop` rows in that order, `pk IN` which the page is then
        read (issue 13: a sparse department's case list at 2M cases).

        An OR of alternatives that no single index answers in the list's order (a task
        test and the matrix pairs of a department's cases) made PostgreSQL walk the
        newest rows and test each against the whole rule, tens of thousands of rows for a
        department whose rows are a few per cent of the table. Each alternative alone is
        an index walk that stops after `stop` rows; the page among their union is the
        same page, since every row of the page is among the first `stop` rows of an
        alternative it satisfies. A rule of one alternative is read the same way: the
        page's ids first, on an index that holds the columns the filters test, then its
        rows (where the newest rows do not pass a filter, the walk past them reads the
        index's pages, not the table's).

        Each alternative is read with the queryset's WHERE clause but the rule (`rule`:
        the span of the clause's conditions that `_restrict` added), that is the filters
        and the page's position, and with the alternative in the rule's place: the rule
        beside it would make each row of the walk read the table for the rule's other
        columns. The alternatives only pick the page's candidates: the outer query keeps
        the whole clause, rule included, so the merge can leave a row out of the page but
        never show one the rule does not (and `Case.scope_parts`' tests hold the
        alternatives' union to the rule)."""
        base = self._chain()
        setattr(base.query, MERGED_PARTS, None)
        children = base.query.where.children
        if base.query.where.connector != AND or base.query.where.negated \
                or len(children) < rule[1]:
            return super(ScopedQuerySet, base).__getitem__(slice(start, stop))
        rest = [*children[:rule[0]], *children[rule[1]:]]
        fixed = _fixed_columns(rest, base.query.base_table)
        kept = [part for part in parts if not _contradicts(part, fixed)]
        if not kept:  # every alternative contradicts the filters: no row
            return base.none()[start:stop]
        parts = tuple(kept)
        arms = []
        for part in parts:
            arm = base._chain()
            arm.query.where.children = list(rest)
            arm = arm.filter(part).values("pk")
            _drop_unused_joins(arm.query)
            arms.append(arm)
        keys = [str(key) for key in (base.query.order_by or self.model._meta.ordering)]
        if len(arms) == 1:
            picked = arms[0][:stop]
        elif len(keys) == 1 and keys[0].lstrip("-") in ("pk", self.model._meta.pk.name):
            picked = _page_ids(arms, parts, keys[0].startswith("-"), stop)
        else:
            firsts = [arm[:stop] for arm in arms]
            picked = firsts[0].union(*firsts[1:], all=True)
        return base.filter(pk__in=picked)[start:stop]


def _drop_unused_joins(query: Any) -> None:
    """Leaves out of an alternative's id walk the joins only its list's columns needed
    (`values()` of an API list joins the region and the institution for the rows): an
    inner join is a probe per row walked, and no walk on one index alone (the culture
    office's API page at 100k cases: 81 ms against 13 at demo size, with them). A join
    that a condition or the order reads stays, with the joins it hangs from."""
    if any("__" in str(key) for key in query.order_by):
        return
    used = set(_aliases(query.where))
    keep = {query.base_table}
    for alias in used:
        while alias is not None and alias not in keep:
            keep.add(alias)
            alias = getattr(query.alias_map.get(alias), "parent_alias", None)
    for alias in query.alias_map:
        if alias not in keep:
            query.alias_refcount[alias] = 0


def _aliases(node: Any) -> Iterator[str]:
    """The table aliases the columns of a WHERE clause's conditions read (not those inside
    a subquery, which reads its own tables)."""
    if isinstance(node, Col):
        yield node.alias
        return
    children = getattr(node, "children", None)
    if children is None:
        children = [getattr(node, "lhs", None), getattr(node, "rhs", None)] \
            if hasattr(node, "lhs") else node.get_source_expressions() \
            if hasattr(node, "get_source_expressions") else []
    for child in children:
        if child is not None and not isinstance(child, str | int | float | bool):
            yield from _aliases(child)


def _page_ids(arms: list[models.QuerySet], parts: tuple[Q, ...], descending: bool,
              stop: int) -> models.QuerySet:
    """The first `stop` ids, in a list's id order, among its alternatives' first rows
    (`ScopedQuerySet._merged`), before any row is read for them (a plain UNION: a row of
    two alternatives is one candidate).

    An alternative that tests the row's own columns (a matrix pair) is an exact index
    walk; one that probes another table (a task of the department, a grant) may have to
    walk far for its `stop` rows where few of the rows it meets pass the list's filter
    (a department's tasks on the newest cases, which are complaints, and `?kind=` of
    another kind: 11k pages at 2M cases). The column tests' `stop`-th id, when they have
    that many, bounds the page: no row past it can be among the first `stop` of the
    union. So the probing alternatives read only the ids up to that bound."""
    plain = [arm[:stop] for arm, part in zip(arms, parts, strict=True) if _column_test(part)]
    probing = [arm for arm, part in zip(arms, parts, strict=True) if not _column_test(part)]
    order = "-pk" if descending else "pk"
    if plain and probing:
        head = plain[0].union(*plain[1:]).order_by(order)[:stop] if len(plain) > 1 \
            else plain[0]
        model = arms[0].model
        # One row: the last id of the column tests' first `stop`, or NULL with fewer.
        # (A Func, not Count/Min: Django would group an aggregate by the primary key.)
        edge = models.Func(F("pk"), output_field=model._meta.pk, template=(
            f"CASE WHEN COUNT(%(expressions)s) >= {int(stop)} "
            f"THEN {'MIN' if descending else 'MAX'}(%(expressions)s) END"))
        bound = Subquery(model._default_manager.filter(pk__in=head).order_by()
                         .values(edge=edge))
        lookup = "pk__gte" if descending else "pk__lte"
        far = Value(0 if descending else 2**63 - 1)
        probing = [arm.filter(**{lookup: Coalesce(bound, far)}) for arm in probing]
    firsts = [*plain, *(arm[:stop] for arm in probing)]
    return firsts[0].union(*firsts[1:]).order_by(order)[:stop]


def _fixed_columns(conditions: list[Any], table: str) -> dict[str, Any]:
    """The columns of `table` (the list's own, not a joined one's) that `conditions` (a
    WHERE clause's AND-ed children) hold equal to a plain value, by field name: the
    list's filters (`?category=arts`)."""
    fixed = {}
    for condition in conditions:
        if isinstance(condition, Exact) and isinstance(condition.lhs, Col) \
                and condition.lhs.alias == table and isinstance(condition.rhs, str | int):
            fixed[condition.lhs.target.name] = condition.rhs
    return fixed


def _contradicts(part: Q, fixed: dict[str, Any]) -> bool:
    """Whether an alternative of column tests AND-ed (a matrix pair) asks a column for
    another value than the filters hold it to: it can give no row, and PostgreSQL does not
    see it (a pair of `tech` under `?category=arts` walked an index for nothing)."""
    if part.connector != AND or part.negated or not _column_test(part):
        return False
    return any(isinstance(child, tuple) and child[0] in fixed
               and str(fixed[child[0]]) != str(child[1]) for child in part.children)


def _column_test(q: Q) -> bool:
    """Whether `q` tests the row's own columns against plain values only (no subquery,
    no other table)."""
    for child in q.children:
        if isinstance(child, Q):
            if not _column_test(child):
                return False
        elif not (isinstance(child, tuple) and "__" not in child[0]
                  and isinstance(child[1], str | int | bool | type(None))):
            return False
    return True


def _grant_q(model: type[models.Model], scope: Scope, action: str) -> Q | None:
    """Explicit per-object grants (django-guardian direct-FK tables), as a subquery so
    the whole restriction stays one SQL statement.

    A model without grant tables of its own may name, in `grant_via`, the foreign key to
    a parent that has them (a Task's case): a view grant on the parent then shows the
    child rows too, just as the parent's scope rule does."""
    if scope.kind != "user":
        return None
    prefix = ""
    target: type[models.Model] = model
    grant_models = getattr(model, "object_grant_models", None)
    via = getattr(model, "grant_via", None)
    if grant_models is None and via is not None:
        if action != Action.VIEW:
            return None
        target = model._meta.get_field(via).related_model  # type: ignore[assignment]
        grant_models = getattr(target, "object_grant_models", None)
        prefix = f"{via}__"
    if not grant_models:
        return None
    if scope.grant_labels is not None and target._meta.label not in scope.grant_labels:
        return None  # the user holds no grant on these rows (org.auth._grant_flags)
    user_sql, group_sql = _grant_sql(*grant_models())
    codename = f"{action}_{target._meta.model_name}"
    params = (scope.user_id, codename)  # values only as parameters, never in the text
    return (Q(**{f"{prefix}pk__in": RawSQL(user_sql, params)})  # noqa: S611
            | Q(**{f"{prefix}pk__in": RawSQL(group_sql, params)}))  # noqa: S611


@functools.cache
def _grant_sql(user_perm: type[models.Model], group_perm: type[models.Model]
               ) -> tuple[str, str]:
    """The two grant subqueries, as the ORM wrote them for
    `user_perm.objects.filter(user_id=…, permission__codename=…)` and
    `group_perm.objects.filter(group__user__id=…, permission__codename=…)`, written once
    per pair of grant tables: compiling them per request was 0.7 ms of each scoped list
    (issue 13: the API's fixed cost). The text depends only on the tables; the user and
    the permission's codename are parameters. The group grant reads the user's groups
    from the membership table directly (the ORM also joined `auth_group`, which adds no
    condition: the membership's foreign key holds)."""
    from django.contrib.auth.models import Permission

    from org.models import User

    qn = connection.ops.quote_name

    def col(model: type[models.Model], name: str) -> str:
        field: Any = model._meta.get_field(name)
        return qn(field.column)

    def with_permission(model: type[models.Model]) -> str:
        return (f"{qn(model._meta.db_table)} g INNER JOIN {qn(Permission._meta.db_table)} p "
                f"ON (g.{col(model, 'permission')} = p.{col(Permission, 'id')})")

    codename = f"p.{col(Permission, 'codename')} = %s"
    membership = User.groups.through
    # Only quoted table and column names of the models go into the text.
    user_sql = (
        f"SELECT g.{col(user_perm, 'content_object')} FROM {with_permission(user_perm)} "  # noqa: S608
        f"WHERE g.{col(user_perm, 'user')} = %s AND {codename}")
    group_sql = (
        f"SELECT g.{col(group_perm, 'content_object')} FROM {with_permission(group_perm)} "  # noqa: S608
        f"INNER JOIN {qn(membership._meta.db_table)} m "
        f"ON (g.{col(group_perm, 'group')} = m.{col(membership, 'group')}) "
        f"WHERE m.{col(membership, 'user')} = %s AND {codename}")
    return user_sql, group_sql


class ScopedThrough:
    """A model whose rows are visible through a parent's scope rule: set `scope_through`
    to the lookup path of the parent (for example "course__institution"). With
    `scope_work_as_change`, any action other than VIEW asks the parent for CHANGE."""

    scope_through: str = ""
    scope_work_as_change: bool = False

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        model: Any = cls
        for part in cls.scope_through.split("__"):
            model = model._meta.get_field(part).related_model
        if cls.scope_work_as_change and action != Action.VIEW:
            action = Action.CHANGE
        return model.scope_q(scope, action, f"{prefix}{cls.scope_through}__")
