-- Widths of the resized copies kept beside each uploaded image ("480,960,1600"), for srcset.
ALTER TABLE media ADD COLUMN variant_widths TEXT NOT NULL DEFAULT '';
