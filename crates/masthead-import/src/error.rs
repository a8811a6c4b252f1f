//! The one error of this crate: what could not be read, in which file, and where in it.
//!
//! It carries no source error and no backtrace: an import is run by an editor, who needs the
//! place in the file and a sentence, not a chain of library types.

use std::fmt;

/// Why an export could not be read. Displayed as `FILE:LINE:COLUMN: message`, the form editors
/// and terminals turn into a link, or `FILE: message` when the problem has no place in the file.
///
/// Lines and columns are 1-based; columns count bytes, as serde_json's do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            (Some(line), None) => write!(f, "{}:{line}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl ImportError {
    /// A problem with the file as a whole.
    pub fn new(file: &str, message: impl Into<String>) -> ImportError {
        ImportError { file: file.to_owned(), line: None, column: None, message: message.into() }
    }

    /// A problem at a place in the file.
    pub fn at(file: &str, line: u64, column: u64, message: impl Into<String>) -> ImportError {
        ImportError { file: file.to_owned(), line: Some(line), column: Some(column), message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_column() {
        let e = ImportError::at("export.xml", 12, 5, "expected </item> but found </channel>");
        assert_eq!(e.to_string(), "export.xml:12:5: expected </item> but found </channel>");
        let e = ImportError::new("export.json", "expected \"data\"");
        assert_eq!(e.to_string(), "export.json: expected \"data\"");
    }
}
