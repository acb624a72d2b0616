//! Session and run statuses: closed enums stored as their snake_case names.

use crate::error::{Error, ErrorCode, Result};

macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident { $( $variant:ident => $text:literal ),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant,
            )*
        }

        impl $name {
            /// Every status, in ASM's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The name stored in SQL and sent on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// `Some` for a known name.
            pub fn parse(name: &str) -> Option<$name> {
                match name { $($text => Some($name::$variant),)* _ => None }
            }

            /// ASM's `update_status` check: an unknown name is `invalid_status`, with the message
            /// that lists the valid statuses.
            pub fn from_name(name: &str) -> Result<$name> {
                $name::parse(name).ok_or_else(|| {
                    let valid: Vec<String> = $name::ALL.iter().map(|s| format!(":{}", s.as_str())).collect();
                    Error::new(
                        ErrorCode::InvalidStatus,
                        format!("Invalid status: {:?}. Valid statuses: [{}]", name, valid.join(", ")),
                    )
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

status_enum! {
    /// Where a session is in its life. ASM documents a state machine but enforces none.
    SessionStatus {
        Pending => "pending",
        Active => "active",
        Paused => "paused",
        Completed => "completed",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

status_enum! {
    /// Where a run is in its life. Only `running` makes a run "active".
    RunStatus {
        Pending => "pending",
        Running => "running",
        Completed => "completed",
        Failed => "failed",
        Cancelled => "cancelled",
        Timeout => "timeout",
    }
}

impl RunStatus {
    /// Statuses that end a run (and stamp `ended_at`).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled | RunStatus::Timeout
        )
    }
}
