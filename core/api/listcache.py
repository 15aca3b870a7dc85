"""A list endpoint's query compiled once per principal, filter set and page shape, and
reused (issue 13: "compile the list query once per scope and filter set").

At 100k rows a list call cost about three times raw SQL, and the database was not where
it went: building the list's queryset (the scope rule, the filters, `values()`, the
paginator's order, position and slice) and compiling it to SQL took as long as running
that SQL and turning its rows into JSON. Django keeps no such cache.

`ListRecorder` stands in for the list's queryset: the filter backends and the cursor
paginator chain their calls on it as on a queryset (`filter`, `exclude`, `order_by`,
`distinct`, `all`, `values`, a slice), and it records them. When the page is read, the
key — the view and its action, the principal's scope (`LIST_QUERY_PRINCIPAL_KEY`), the
query string but the cursor, the day, the language and the time zone, and the recorded
calls with their values — finds the SQL compiled before, and the page is that SQL run
with the cursor's position as its one changing parameter. Otherwise the queryset is built
as it always was (`view.get_queryset()`, the calls replayed), compiled, and kept only if:

- building it read nothing from the database (what a query read would be baked into it);
- a second build compiles to the same SQL and parameters (nothing read the clock or
  other state the key does not hold);
- the cursor's position is found where its prepared value is: one parameter, or several
  where a build with another position moves those and no other (a merged page,
  `org.scope.ScopedQuerySet._merged`);
- the rows come back through the converters Django would apply to the same columns;
- the versioned data it read (`core.versions`: the policy profile, the case kinds) is
  still at the versions read when it is reused.

Anything the recorder does not know (another queryset method, a value that is not plain
data) builds the real queryset there and hands it on: the call is then Django's, as
before. `LIST_QUERY_CACHE = False` turns it off.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Q
from django.db.models.query import ValuesIterable
from django.utils.module_loading import import_string

from core import versions

#: Compiled lists kept per process, least recently used dropped.
SIZE = 1024
_compiled: OrderedDict[Hashable, _Compiled] = OrderedDict()
#: Keys whose build may never be kept (its SQL is not one shape, or moves between builds:
#: the clock): read as Django reads them, without building twice on every call.
_refused: OrderedDict[Hashable, None] = OrderedDict()
_lock = threading.Lock()
#: The paginator's position in a recorded `filter` (its value is the one parameter that
#: changes from page to page, not part of the key).
POSITION = "<position>"
#: What may follow the recorder through a chain of calls.
CHAINED = frozenset({"filter", "exclude", "order_by", "distinct", "all", "values"})
PLAIN = (str, int, float, bool, Decimal, dt.date, dt.time, dt.timedelta, uuid.UUID)


class Unfrozen(Exception):
    """A value that cannot be part of a key (not plain data)."""


def freeze(value: Any) -> Hashable:
    """`value` as part of a key: plain data with its type, containers and `Q`/`F` by
    their contents, a model instance by its label and key; anything else Unfrozen."""
    if value is None:
        return None
    if isinstance(value, PLAIN):  # datetime is a date; its type keeps the two apart
        return (type(value), value)
    if isinstance(value, list | tuple):
        return (type(value), tuple(freeze(v) for v in value))
    if isinstance(value, dict):
        return (dict, tuple(sorted((k, freeze(v)) for k, v in value.items())))
    if isinstance(value, set | frozenset):
        return (frozenset, frozenset(freeze(v) for v in value))
    if type(value) is Q:
        return ("Q", value.connector, value.negated, tuple(freeze(c) for c in value.children))
    if type(value) is F:
        return ("F", value.name)
    if isinstance(value, models.Model) and value.pk is not None:
        return ("model", value._meta.label, freeze(value.pk))
    raise Unfrozen(type(value).__name__)


@dataclass(frozen=True)
class _Compiled:
    vendor: str  # the database it was compiled for (a replica runs the same SQL)
    sql: str | None  # None: the query selects nothing (EmptyResultSet)
    params: tuple[Any, ...]
    #: The indexes of the cursor's position among params: one, or one per alternative of
    #: a merged page (`org.scope.ScopedQuerySet._merged`) and its outer query.
    positions: tuple[int, ...]
    names: tuple[str, ...]
    #: Django's converters of the columns that have any: (index, (functions, expression))
    converters: tuple[tuple[int, tuple[list[Any], Any]], ...]
    reads: versions.Reads

    def rows(self, alias: str, model: type[models.Model],
             position: tuple[str, Any] | None) -> list[dict[str, Any]]:
        if self.sql is None:
            return []
        connection = connections[alias]
        params = list(self.params)
        if self.positions and position is not None:
            prepared = _prepared(connection, model, *position)
            for index in self.positions:
                params[index] = prepared
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        names = self.names
        if not self.converters:
            return [dict(zip(names, row, strict=False)) for row in rows]
        converted = []
        for row in rows:  # as SQLCompiler.apply_converters
            values = list(row)
            for index, (functions, expression) in self.converters:
                value = values[index]
                for function in functions:
                    value = function(value, expression, connection)
                values[index] = value
            converted.append(dict(zip(names, values, strict=False)))
        return converted


def enabled() -> bool:
    return bool(getattr(settings, "LIST_QUERY_CACHE", True)
                and getattr(settings, "LIST_QUERY_PRINCIPAL_KEY", ""))


def forget() -> None:
    """Drop every compiled list (tests start with none)."""
    with _lock:
        _compiled.clear()
        _refused.clear()


def size() -> int:
    return len(_compiled)


def principal_key(principal: Any) -> Hashable:
    return import_string(settings.LIST_QUERY_PRINCIPAL_KEY)(principal)


def _prepared(connection: BaseDatabaseWrapper, model: type[models.Model], lookup: str,
              value: Any) -> Any:
    """The parameter the database receives for `filter(**{lookup: value})` on one of the
    model's own columns (the paginator's position: `id__lt`, `opened_at__gt`)."""
    name, lookup_name = lookup.rsplit("__", 1)
    field = model._meta.get_field(name)
    lookup_class = field.get_lookup(lookup_name)
    condition = lookup_class(field.get_col(model._meta.db_table), value)
    _sql, params = condition.get_db_prep_lookup(condition.rhs, connection)
    return params[0]


@contextmanager
def _no_queries() -> Iterator[list[str]]:
    """The statements any connection ran inside the block (they are run as well)."""
    ran: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool,
               context: dict[str, Any]) -> Any:
        ran.append(sql)
        return execute(sql, params, many, context)

    with ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(record))
        yield ran


Op = tuple[str, tuple[Any, ...], dict[str, Any]]


class ListRecorder:
    """The list's queryset until its page is read (module docstring). `model` is the
    model the list reads; `build` gives the real queryset (`view.get_queryset`); `key`
    gives the key of everything besides the recorded calls (the view, the principal,
    the query string)."""

    def __init__(self, model: type[models.Model], build: Callable[[], models.QuerySet],
                 key: Callable[[], Hashable], ops: tuple[Op, ...] = (),
                 paging: bool = False, position: tuple[str, Any] | None = None) -> None:
        self.model = model
        self._build = build
        self._key = key
        self._ops = ops
        self._paging = paging
        self._position = position

    # The calls the filters and the paginator make.
    def _then(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        position = self._position
        if (self._paging and name == "filter" and not args and len(kwargs) == 1
                and position is None):
            (lookup, value), = kwargs.items()
            if isinstance(value, str) and lookup.endswith(("__lt", "__gt")) \
                    and "__" not in lookup.rsplit("__", 1)[0]:
                position, kwargs = (lookup, value), {lookup: POSITION}
        return ListRecorder(self.model, self._build, self._key,
                            (*self._ops, (name, args, kwargs)), self._paging, position)

    def filter(self, *args: Any, **kwargs: Any) -> Any:
        return self._then("filter", args, kwargs)

    def exclude(self, *args: Any, **kwargs: Any) -> Any:
        return self._then("exclude", args, kwargs)

    def order_by(self, *args: Any) -> Any:
        return self._then("order_by", args, {})

    def distinct(self, *args: Any) -> Any:
        return self._then("distinct", args, {})

    def all(self) -> Any:
        return self

    def values(self, *fields: str) -> Any:
        return self._then("values", fields, {})

    def paging(self) -> ListRecorder:
        """The calls from here on are the paginator's (its position filter)."""
        return ListRecorder(self.model, self._build, self._key, self._ops, True,
                            self._position)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, slice) and item.step is None and \
                all(isinstance(i, int | None) for i in (item.start, item.stop)):
            return self._then("slice", (item.start, item.stop), {})
        return self.real()[item]

    def __getattr__(self, name: str) -> Any:
        # Anything else is the queryset's own: built for real from here on.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.real(), name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows())

    # Building for real.
    def real(self, position: Any = None) -> models.QuerySet:
        """The queryset the recorded calls make, built as Django builds it."""
        qs: Any = self._build()
        for name, args, kwargs in self._ops:
            if name == "slice":
                qs = qs[args[0]:args[1]]
            else:
                if self._position is not None and kwargs.get(self._position[0]) is POSITION:
                    kwargs = {self._position[0]: self._position[1] if position is None
                              else position}
                qs = getattr(qs, name)(*args, **kwargs)
        return qs

    def _rows(self) -> list[Any]:
        try:
            key = (self._key(), freeze(self._ops))
        except Unfrozen:
            return list(self.real())
        with _lock:
            compiled = _compiled.get(key)
            if compiled is not None:
                _compiled.move_to_end(key)
            refused = key in _refused
        if refused:
            return list(self.real())
        alias = router.db_for_read(self.model)
        if compiled is not None and versions.current(compiled.reads) \
                and compiled.vendor == connections[alias].vendor:
            versions.replay(compiled.reads)
            return compiled.rows(alias, self.model, self._position)
        compiled, qs, final = self._compile()
        if compiled is None:
            if final:
                with _lock:
                    _refused[key] = None
                    while len(_refused) > SIZE:
                        _refused.popitem(last=False)
            return list(qs)
        with _lock:
            _compiled[key] = compiled
            _compiled.move_to_end(key)
            while len(_compiled) > SIZE:
                _compiled.popitem(last=False)
        return compiled.rows(alias, self.model, self._position)

    def _compile(self) -> tuple[_Compiled | None, models.QuerySet, bool]:
        """The list's SQL, built twice to see that nothing outside the key moved it; None
        (and the queryset, to be read as Django reads it) where it may not be kept, and
        whether that holds for every later build of the key (not so where versioned data
        changed while it was built)."""
        with versions.recording() as reads, _no_queries() as ran:
            qs = self.real()
            first = _sql(qs)
            again = _sql(self.real())
        settled = versions.settled(reads)
        if ran or settled is None:  # a cold cache read, or data that moved: try again later
            return None, qs, False
        if (first is None or again is None
                or first[:3] != again[:3]  # the converters hold the build's own expressions
                or qs.model is not self.model or qs.db != router.db_for_read(self.model)):
            return None, qs, True
        sql, params, names, converters = first
        connection = connections[qs.db]
        positions: tuple[int, ...] = ()
        if self._position is not None and sql is not None:
            value = _prepared(connection, self.model, *self._position)
            found = [i for i, p in enumerate(params) if p == value and type(p) is type(value)]
            if len(found) > 1 and found != self._moved(sql, params):
                found = []  # another parameter has the position's value, this time
            if not found:
                return None, qs, False  # another page's position may be found
            positions = tuple(found)
        return _Compiled(connection.vendor, sql, tuple(params), positions, tuple(names),
                         converters, settled), qs, False

    def _moved(self, sql: str, params: list[Any]) -> list[int] | None:
        """The parameters that change when the position does (built once more with
        another position), or None where that build is not the same SQL: a position used
        more than once (a merged page's alternatives, `ScopedQuerySet._merged`) is kept
        only where every use of it moves with it and nothing else does."""
        assert self._position is not None
        other = _other_position(self.model, *self._position)
        if other is None:
            return None
        moved = _sql(self.real(position=other))
        if moved is None or moved[0] != sql or len(moved[1]) != len(params):
            return None
        return [i for i, (a, b) in enumerate(zip(params, moved[1], strict=True)) if a != b]


def _other_position(model: type[models.Model], lookup: str, value: Any) -> Any:
    """A position next to `value` in the column of `lookup` (the paginator's first
    ordering column: an id or a date), or None for a column of another type."""
    field = model._meta.get_field(lookup.rsplit("__", 1)[0])
    try:
        current = field.to_python(value)
    except Exception:  # noqa: BLE001 - not a value of the column: no other position
        return None
    if isinstance(current, bool):
        return None
    if isinstance(current, int):
        return current + 1
    if isinstance(current, dt.datetime):
        return current + dt.timedelta(microseconds=1)
    if isinstance(current, dt.date):
        return current + dt.timedelta(days=1)
    return None


def _sql(qs: models.QuerySet) -> tuple[str | None, list[Any], list[str], Any] | None:
    """The SQL, parameters, column names and column converters of `qs` (a `values()`
    queryset), or None where it is not such a queryset."""
    if qs._iterable_class is not ValuesIterable or qs._prefetch_related_lookups:
        return None
    query = qs.query
    names = (list(query.selected) if query.selected else
             [*query.extra_select, *query.values_select, *query.annotation_select])
    compiler = query.get_compiler(using=qs.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None, [], names, ()
    selected = [column for column, _sql, _alias in compiler.select[:compiler.col_count]]
    if len(selected) != len(names):
        return None
    converters = tuple(sorted(compiler.get_converters(selected).items()))
    return sql, list(params), names, converters
