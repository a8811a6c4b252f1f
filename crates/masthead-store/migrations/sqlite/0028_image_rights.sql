-- Image rights: a licence ("CC BY 4.0", "Reuters: our use only") and whether the image may
-- travel with republished copies. An image that may not is left out of the republish
-- snippet, ninjs and feed content, replaced by its credit and a link to the original; the
-- articles' reads find such images by this partial index, so their cost follows the few images
-- that are withheld, not the library. Keep in step with ../postgres/0028_image_rights.sql.
ALTER TABLE media ADD COLUMN licence TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN travels INTEGER NOT NULL DEFAULT 1;
CREATE INDEX media_withheld ON media (id) WHERE travels = 0;
