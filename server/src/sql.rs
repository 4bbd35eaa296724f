//! SQL assembled piece by piece, its parameters written as each database
//! reads them fastest: numbered (`$1, $2, …`) for PostgreSQL, anonymous
//! (`?`) for SQLite. sqlx's own `QueryBuilder` writes `?` for its `Any`
//! driver, which PostgreSQL rejects; this is the small part of its interface
//! the store uses.
//!
//! Why not `$n` for both: SQLite keeps named parameters (`$n` and `?NNN`
//! alike) in a list it searches from the start, and sqlx asks each one's
//! name when binding, so a statement of n of them costs n² steps. One event
//! to 1,000 recipients is a 15,000-parameter INSERT: 200 ms of its 217 ms
//! went there. Anonymous ones are not in that list. Every parameter of a
//! `Sql` comes from `push_bind`, in order, so the two forms number alike.

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryScalar};
use sqlx::{Any, Arguments, Encode, Type};

use crate::store::Backend;

pub struct Sql<'q> {
    text: String,
    backend: Backend,
    args: AnyArguments<'q>,
    count: usize,
    /// Inside `push_values`: the next bind of a row needs a comma first.
    row_started: Option<bool>,
}

impl<'q> Sql<'q> {
    /// `text` has no parameters of its own: they all come from `push_bind`.
    pub fn new(backend: Backend, text: impl Into<String>) -> Sql<'q> {
        let text = text.into();
        debug_assert!(!text.contains('$') && !text.contains('?'), "parameters come from push_bind: {text}");
        Sql { text, backend, args: AnyArguments::default(), count: 0, row_started: None }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub fn push_bind<T: 'q + Encode<'q, Any> + Type<Any>>(&mut self, value: T) -> &mut Self {
        if let Some(started) = self.row_started.replace(true)
            && started
        {
            self.text.push_str(", ");
        }
        self.args.add(value).expect("Any arguments take every encodable value");
        self.count += 1;
        match self.backend {
            Backend::Sqlite => self.text.push('?'),
            Backend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.count.to_string());
            }
        }
        self
    }

    /// `VALUES (…), (…)`: one group per row, its binds pushed by `each`.
    pub fn push_values<I: IntoIterator>(&mut self, rows: I, mut each: impl FnMut(&mut Self, I::Item)) -> &mut Self {
        self.text.push_str("VALUES ");
        for (i, row) in rows.into_iter().enumerate() {
            self.text.push_str(if i == 0 { "(" } else { ", (" });
            self.row_started = Some(false);
            each(self, row);
            self.row_started = None;
            self.text.push(')');
        }
        self
    }

    /// `(…)` of the binds of `values`, for `IN`.
    pub fn push_list<T: 'q + Encode<'q, Any> + Type<Any>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        self.text.push('(');
        self.row_started = Some(false);
        for v in values {
            self.push_bind(v);
        }
        self.row_started = None;
        self.text.push(')');
        self
    }

    pub fn build(&mut self) -> Query<'_, Any, AnyArguments<'_>> {
        sqlx::query_with(&self.text, std::mem::take(&mut self.args))
    }

    pub fn build_query_scalar<O>(&mut self) -> QueryScalar<'_, Any, O, AnyArguments<'_>>
    where
        (O,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_scalar_with(&self.text, std::mem::take(&mut self.args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_and_list(backend: Backend) -> String {
        let mut s = Sql::new(backend, "INSERT INTO t (a, b) ");
        s.push_values([(1_i64, "x"), (2, "y")], |s, (a, b)| {
            s.push_bind(a).push_bind(b);
        });
        s.push(" WHERE c IN ").push_list(["p", "q"]);
        s.text
    }

    #[test]
    fn numbers_parameters_across_rows_and_lists() {
        assert_eq!(
            rows_and_list(Backend::Postgres),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) WHERE c IN ($5, $6)"
        );
        assert_eq!(rows_and_list(Backend::Sqlite), "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) WHERE c IN (?, ?)");
    }
}
