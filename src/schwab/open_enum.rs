//! Enums that keep values they do not know.
//!
//! Schwab adds enum values without notice (asset types, order statuses). Refusing a whole
//! response over one new word would blank the screen, so each wire enum has an `Other`
//! variant that carries the unknown text through to the user.

/// Declares a wire enum with known variants and an `Other(String)` catch-all.
///
/// It (de)serializes as the plain string Schwab sends; an unknown string becomes `Other`.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this build does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The string Schwab uses on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(s) => s,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($wire => $name::$variant,)+
                    _ => $name::Other(s),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($name::from)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    open_enum!(Colour { Red => "RED", Green => "GREEN" });

    #[test]
    fn known_and_unknown_values_round_trip() {
        let known: Colour = serde_json::from_str("\"RED\"").unwrap();
        assert_eq!(known, Colour::Red);
        let unknown: Colour = serde_json::from_str("\"ULTRAVIOLET\"").unwrap();
        assert_eq!(unknown, Colour::Other("ULTRAVIOLET".into()));
        assert_eq!(serde_json::to_string(&unknown).unwrap(), "\"ULTRAVIOLET\"");
        assert_eq!(Colour::Green.to_string(), "GREEN");
    }
}
