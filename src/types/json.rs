//! JSON kept in a text column, typed: the value and its serialised text travel together, so
//! writing needs no temporary (diesel binds a borrowed `str`) and reading a column that is not
//! valid JSON of the expected shape is an error, never a silent default.
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, Clone, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Json<T> {
    value: T,
    text: String,
}

impl<T: Serialize> Json<T> {
    pub fn new(value: T) -> Self {
        let text = serde_json::to_string(&value).expect("plain data serialises");
        Json { value, text }
    }
}

impl<T> Json<T> {
    pub fn get(&self) -> &T {
        &self.value
    }
    pub fn into_inner(self) -> T {
        self.value
    }
    /// The stored text, e.g. to compare two values without parsing.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Serialised as the value it holds (an export shows the customer's attributes as an object).
impl<T: Serialize> Serialize for Json<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T> PartialEq for Json<T> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl<T: Serialize + Default> Default for Json<T> {
    fn default() -> Self {
        Json::new(T::default())
    }
}

impl<T, DB> ToSql<Text, DB> for Json<T>
where
    T: std::fmt::Debug,
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.text.as_str().to_sql(out)
    }
}

impl<T, DB> FromSql<Text, DB> for Json<T>
where
    T: DeserializeOwned,
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        let value = serde_json::from_str(&text)?;
        Ok(Json { value, text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn keeps_value_and_text_together() {
        let j = Json::new(vec!["support".to_string(), "delivery".to_string()]);
        assert_eq!(j.text(), r#"["support","delivery"]"#);
        assert_eq!(j.get().len(), 2);
        let m: Json<BTreeMap<String, i32>> = Json::default();
        assert_eq!(m.text(), "{}");
    }
}
