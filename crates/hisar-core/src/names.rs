//! Enums whose names are written once.
//!
//! HISAR's closed vocabularies (gap codes, statuses, classes, methods...) are written in
//! registries, reports, JSON, the API and on the command line. [`named_enum!`](crate::named_enum)
//! declares such an enum with one name per variant and derives everything else from that one
//! table: `ALL`, `as_str`, `Display`, `FromStr` (case-insensitive, with a typed
//! [`UnknownName`] error), `Serialize` and `Deserialize`. Hand-written, because derive crates
//! each keep a naming rule of their own (serde's `rename_all`, clap's, strum's) that must then
//! be kept in step by hand.

/// A name that is none of an enum's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`; expected one of {expected}")]
pub struct UnknownName {
    what: &'static str,
    given: String,
    expected: String,
}

impl UnknownName {
    /// `given` is not a `what`, whose names are `names`.
    pub fn new(
        what: &'static str,
        given: &str,
        names: impl IntoIterator<Item = &'static str>,
    ) -> Self {
        Self {
            what,
            given: given.to_owned(),
            expected: names.into_iter().collect::<Vec<_>>().join(", "),
        }
    }

    /// The name given.
    pub fn given(&self) -> &str {
        &self.given
    }
}

/// Declares a unit enum whose variants each have one name, written once:
///
/// ```
/// hisar_core::named_enum! {
///     /// A colour.
///     pub enum Colour("colour") {
///         /// Red.
///         Red = "RED",
///         /// Green.
///         Green = "GREEN",
///     }
/// }
/// assert_eq!(Colour::ALL, [Colour::Red, Colour::Green]);
/// assert_eq!(Colour::Green.to_string(), "GREEN");
/// assert_eq!("red".parse::<Colour>().unwrap(), Colour::Red);
/// assert_eq!(
///     "blue".parse::<Colour>().unwrap_err().to_string(),
///     "unknown colour `blue`; expected one of RED, GREEN"
/// );
/// assert_eq!(serde_json::to_string(&Colour::Red).unwrap(), r#""RED""#);
/// ```
///
/// The enum derives `Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash`; the crate using
/// the macro needs `serde` as a dependency.
#[macro_export]
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; { [$($text),+].len() }] = [$($name::$variant),+];

            /// The name, as written in registries, reports and the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownName;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        $crate::UnknownName::new($what, s, Self::ALL.map(Self::as_str))
                    })
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    };
}

/// `clap::ValueEnum` for enums declared with [`named_enum!`], from the same names.
#[cfg(feature = "clap")]
macro_rules! clap_value_enum {
    ($($name:ty),+ $(,)?) => {
        $(
            impl clap::ValueEnum for $name {
                fn value_variants<'a>() -> &'a [Self] {
                    &Self::ALL
                }

                fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                    Some(clap::builder::PossibleValue::new(self.as_str()))
                }

                fn from_str(input: &str, _ignore_case: bool) -> Result<Self, String> {
                    input.parse().map_err(|e: $crate::UnknownName| e.to_string())
                }
            }
        )+
    };
}

#[cfg(feature = "clap")]
clap_value_enum!(
    crate::GapCode,
    crate::Status,
    crate::PanelClass,
    crate::Method,
    crate::Aggregation,
    crate::history::CapabilityStatus,
);
