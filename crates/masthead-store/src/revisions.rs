//! Revisions kept compactly. Every save keeps the article as saved (a `NewArticle` as JSON),
//! so an article edited a hundred times holds a hundred copies of its text, twice (source and
//! HTML). Snapshots are stored brotli-compressed (a window large enough to find the HTML's
//! words again in the source) and base64-encoded, marked `br1:`, in the same text column:
//! about a fifth of the size. Rows saved before are plain JSON, read as they are, and packed by
//! [`Store::pack_revisions`] (`masthead revisions pack`).

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::{Result, Store, StoreError, on_db};

/// The mark of a packed snapshot.
const PACKED: &str = "br1:";
/// Fast enough to run inside a save (well under a millisecond for a long article).
const QUALITY: u32 = 4;
/// 4 MB: the whole of any article, so that repeats across the snapshot are found.
const WINDOW_BITS: u32 = 22;

/// A snapshot as stored.
pub(crate) fn pack(json: &str) -> String {
    let mut compressed = Vec::with_capacity(json.len() / 4);
    {
        let mut writer = brotli::CompressorWriter::new(&mut compressed, 4096, QUALITY, WINDOW_BITS);
        writer.write_all(json.as_bytes()).expect("writing to memory does not fail");
    }
    let mut out = String::with_capacity(PACKED.len() + compressed.len() * 4 / 3 + 4);
    out.push_str(PACKED);
    STANDARD.encode_string(&compressed, &mut out);
    out
}

/// The JSON of a snapshot as stored, packed or not.
pub(crate) fn unpack(stored: &str) -> std::result::Result<String, String> {
    let Some(encoded) = stored.strip_prefix(PACKED) else { return Ok(stored.to_owned()) };
    let compressed = STANDARD.decode(encoded).map_err(|e| format!("not base64: {e}"))?;
    let mut json = String::new();
    brotli::Decompressor::new(compressed.as_slice(), 4096)
        .read_to_string(&mut json)
        .map_err(|e| format!("not a packed snapshot: {e}"))?;
    Ok(json)
}

/// What packing the older revisions did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Packed {
    /// Revisions looked at.
    pub revisions: u64,
    /// Of those, the ones packed now (the rest were packed already).
    pub packed: u64,
    /// Their snapshots' bytes before and after.
    pub bytes_before: u64,
    pub bytes_after: u64,
}

impl Store {
    /// Packs every revision saved before snapshots were packed, a batch of `batch` per
    /// transaction, in key order; `progress` hears (revisions looked at, all revisions). Safe
    /// to stop and run again, and beside a serving site.
    pub async fn pack_revisions(&self, batch: u32, progress: impl Fn(u64, u64)) -> Result<Packed> {
        let total: i64 = on_db!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM article_revisions").fetch_one(pool).await?);
        let total = u64::try_from(total).unwrap_or(0);
        let mut done = Packed::default();
        let mut after = (0_i64, 0_i64);
        let sql = format!(
            "SELECT article_id, revision, snapshot FROM article_revisions \
             WHERE article_id > $1 OR (article_id = $1 AND revision > $2) \
             ORDER BY article_id, revision LIMIT {}",
            batch.clamp(1, 10_000)
        );
        loop {
            let rows: Vec<(i64, i64, String)> = on_db!(self, pool => {
                sqlx::query_as(&sql).bind(after.0).bind(after.1).fetch_all(pool).await?
            });
            let Some(last) = rows.last() else { break };
            after = (last.0, last.1);
            let plain: Vec<(i64, i64, String, usize)> = rows
                .iter()
                .filter(|(_, _, snapshot)| !snapshot.starts_with(PACKED))
                .map(|(article, revision, snapshot)| (*article, *revision, pack(snapshot), snapshot.len()))
                .collect();
            done.revisions += rows.len() as u64;
            on_db!(self, pool => {
                let mut tx = pool.begin().await?;
                for (article, revision, packed, _) in &plain {
                    // Only if nobody packed it meanwhile (another run).
                    sqlx::query(
                        "UPDATE article_revisions SET snapshot = $1 \
                         WHERE article_id = $2 AND revision = $3 AND snapshot NOT LIKE 'br1:%'",
                    )
                    .bind(packed)
                    .bind(article)
                    .bind(revision)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            });
            for (_, _, packed, before) in &plain {
                done.packed += 1;
                done.bytes_before += *before as u64;
                done.bytes_after += packed.len() as u64;
            }
            progress(done.revisions, total.max(done.revisions));
        }
        Ok(done)
    }
}

/// A stored snapshot's JSON, or the store's error naming the revision.
pub(crate) fn snapshot_json(stored: &str, article_id: i64, revision: i64) -> Result<String> {
    unpack(stored)
        .map_err(|e| StoreError::Corrupt(format!("revision {revision} of article {article_id}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_snapshot_comes_back_whole_and_smaller() {
        let body = "<p>Freight volumes on the Danube fell by a fifth this year. </p>".repeat(80);
        let json = serde_json::json!({ "title": "Freight", "body_source": body.replace("<p>", ""), "body_html": body })
            .to_string();
        let packed = pack(&json);
        assert!(packed.starts_with(PACKED));
        assert!(packed.len() * 5 < json.len(), "{} of {} bytes", packed.len(), json.len());
        assert_eq!(unpack(&packed).unwrap(), json);
        assert_eq!(unpack(&json).unwrap(), json, "a plain snapshot is read as it is");
        assert!(unpack("br1:not base64!").is_err());
    }
}
