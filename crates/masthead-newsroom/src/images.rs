//! Uploaded images: checked by their content (never their name) against the allowed types,
//! refused past a size or pixel limit (so that a small file cannot unpack into gigabytes),
//! turned upright by their EXIF orientation, re-encoded without metadata (no camera location
//! leaves the newsroom), and resized to the widths pages ask for in `srcset`.
//!
//! Pure and CPU-bound: callers run it on a blocking thread.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Widths of the resized copies, for `srcset`; only those narrower than the original are made.
pub const VARIANT_WIDTHS: [u32; 3] = [480, 960, 1600];

#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_bytes: usize,
    pub max_pixels: u64,
    pub max_side: u32,
    /// The most memory the decoder may allocate for one image. With `work::Kind::Image`'s
    /// permits, this bounds what uploads hold at once (a 40-megapixel photo took 280 MB).
    pub max_decode_bytes: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_side: 12_000,
            // 40 megapixels of 16-bit RGB, the largest image the pixel limit lets through.
            max_decode_bytes: 256 * 1024 * 1024,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UploadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; the limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("only JPEG, PNG and WebP images can be uploaded; this file is {found}")]
    UnsupportedType { found: String },
    #[error("the image is {width}×{height} pixels; the limit is {limit} pixels")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("the image is {width}×{height} pixels; neither side may be over {limit} pixels")]
    TooWide { width: u32, height: u32, limit: u32 },
    #[error("decoding the image would take more than {limit} bytes of memory")]
    TooMuchMemory { limit: u64 },
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
}

/// An image ready to be stored.
#[derive(Debug)]
pub struct Processed {
    pub extension: &'static str,
    pub mime_type: &'static str,
    pub width: u32,
    pub height: u32,
    /// The upright image, re-encoded without metadata.
    pub bytes: Vec<u8>,
    /// (width, bytes) of each resized copy, narrowest first.
    pub variants: Vec<(u32, Vec<u8>)>,
}

pub fn process(data: &[u8], limits: UploadLimits) -> Result<Processed, UploadError> {
    if data.is_empty() {
        return Err(UploadError::Empty);
    }
    if data.len() > limits.max_bytes {
        return Err(UploadError::TooLarge { size: data.len(), limit: limits.max_bytes });
    }
    let format = image::guess_format(data)
        .map_err(|_| UploadError::UnsupportedType { found: "not an image".into() })?;
    let (extension, mime_type) = match format {
        ImageFormat::Jpeg => ("jpg", "image/jpeg"),
        ImageFormat::Png => ("png", "image/png"),
        ImageFormat::WebP => ("webp", "image/webp"),
        other => return Err(UploadError::UnsupportedType { found: format!("{other:?}") }),
    };
    if format == ImageFormat::Jpeg && !jpeg_is_complete(data) {
        return Err(UploadError::Unreadable("the file is incomplete (it ends before the image does)".into()));
    }
    // The size the header claims, read before anything is decoded, so that a refusal can say it.
    let (width, height) = ImageReader::with_format(Cursor::new(data), format)
        .into_dimensions()
        .map_err(|e| UploadError::Unreadable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(UploadError::TooManyPixels { width, height, limit: limits.max_pixels });
    }
    if width > limits.max_side || height > limits.max_side {
        return Err(UploadError::TooWide { width, height, limit: limits.max_side });
    }
    let mut reader = ImageReader::with_format(Cursor::new(data), format);
    let mut decode_limits = Limits::default();
    decode_limits.max_image_width = Some(limits.max_side);
    decode_limits.max_image_height = Some(limits.max_side);
    decode_limits.max_alloc = Some(limits.max_decode_bytes);
    reader.limits(decode_limits);
    let unreadable = |e: image::ImageError| match e {
        // The dimensions passed above, so what is left is the memory.
        image::ImageError::Limits(_) => UploadError::TooMuchMemory { limit: limits.max_decode_bytes },
        other => UploadError::Unreadable(other.to_string()),
    };
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    // Not every decoder checks `max_alloc` against the image it is about to make (JPEG's
    // does not), so the size of the decoded image is checked here too.
    if decoder.total_bytes() > limits.max_decode_bytes {
        return Err(UploadError::TooMuchMemory { limit: limits.max_decode_bytes });
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    img.apply_orientation(orientation);

    let encode = |img: &DynamicImage| -> Result<Vec<u8>, UploadError> {
        let mut out = Vec::new();
        let written = match format {
            ImageFormat::Jpeg => {
                img.to_rgb8().write_with_encoder(JpegEncoder::new_with_quality(&mut out, 85))
            }
            _ => img.write_to(&mut Cursor::new(&mut out), format),
        };
        written.map_err(|e| UploadError::Unreadable(format!("it could not be re-encoded: {e}")))?;
        Ok(out)
    };
    let bytes = encode(&img)?;
    let mut variants = Vec::new();
    for target in VARIANT_WIDTHS.into_iter().filter(|w| *w < img.width()) {
        let h = ((u64::from(img.height()) * u64::from(target)) / u64::from(img.width())).max(1) as u32;
        variants.push((target, encode(&img.resize_exact(target, h, FilterType::Lanczos3))?));
    }
    Ok(Processed { extension, mime_type, width: img.width(), height: img.height(), bytes, variants })
}

/// Whether a JPEG's last scan is followed by its end-of-image marker. The decoder fills a cut
/// file with grey rather than failing, so an upload cut short in transit would be kept as if
/// whole. Inside scan data every 0xFF is followed by 0x00 or a restart marker, so the last
/// start-of-scan marker (FF DA) is the real one, and a complete file has FF D9 after it.
fn jpeg_is_complete(data: &[u8]) -> bool {
    match data.windows(2).rposition(|w| w == [0xFF, 0xDA]) {
        Some(sos) => data[sos..].windows(2).any(|w| w == [0xFF, 0xD9]),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 { Rgb([200, 30, 30]) } else { Rgb([30, 30, 200]) }
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90)).unwrap();
        out
    }

    /// `jpeg` with an EXIF block saying "rotate 90° clockwise" and a GPS position.
    fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
        // TIFF, little-endian: IFD0 with Orientation = 6 and a GPS IFD pointer; a GPS IFD with
        // GPSLatitudeRef = "N".
        let mut tiff: Vec<u8> = vec![b'I', b'I', 42, 0, 8, 0, 0, 0];
        tiff.extend([2, 0]); // two entries
        tiff.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]); // Orientation, SHORT, 1, value 6
        tiff.extend([0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]); // GPS IFD at offset 38
        tiff.extend([0, 0, 0, 0]); // no next IFD
        tiff.extend([1, 0]); // GPS IFD: one entry
        tiff.extend([1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]); // GPSLatitudeRef, ASCII, "N\0"
        tiff.extend([0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let len = (app1.len() + 2) as u16;
        let plain = jpeg(width, height);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(len.to_be_bytes());
        out.extend(app1);
        out.extend(&plain[2..]);
        out
    }

    #[test]
    fn photos_are_turned_upright_stripped_and_resized() {
        let upload = jpeg_with_exif(2000, 1000);
        assert!(upload.windows(4).any(|w| w == b"Exif"));
        let p = process(&upload, UploadLimits::default()).unwrap();
        assert_eq!((p.width, p.height), (1000, 2000), "rotated by the EXIF orientation");
        assert_eq!(p.mime_type, "image/jpeg");
        assert!(!p.bytes.windows(4).any(|w| w == b"Exif"), "no metadata survives");
        let widths: Vec<u32> = p.variants.iter().map(|(w, _)| *w).collect();
        assert_eq!(widths, [480, 960], "only copies narrower than the original");
        let small = image::load_from_memory(&p.variants[0].1).unwrap();
        assert_eq!((small.width(), small.height()), (480, 960));
    }

    #[test]
    fn types_are_judged_by_content_not_name() {
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
        assert!(matches!(process(&gif, UploadLimits::default()), Err(UploadError::UnsupportedType { .. })));
        let text = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
        assert!(matches!(process(&text, UploadLimits::default()), Err(UploadError::UnsupportedType { .. })));
        assert_eq!(process(&[], UploadLimits::default()).unwrap_err(), UploadError::Empty);
    }

    #[test]
    fn oversized_truncated_and_bomb_images_are_refused() {
        let photo = jpeg(800, 600);
        let small = UploadLimits { max_bytes: 100, ..UploadLimits::default() };
        assert!(matches!(process(&photo, small), Err(UploadError::TooLarge { .. })));
        let truncated = &photo[..photo.len() / 2];
        assert!(matches!(process(truncated, UploadLimits::default()), Err(UploadError::Unreadable(_))));
        let mut whole_png = Vec::new();
        DynamicImage::ImageRgb8(RgbImage::new(300, 200))
            .write_to(&mut Cursor::new(&mut whole_png), ImageFormat::Png)
            .unwrap();
        let cut = &whole_png[..whole_png.len() - 30];
        assert!(
            matches!(process(cut, UploadLimits::default()), Err(UploadError::Unreadable(_))),
            "a cut PNG"
        );
        // A tiny PNG that claims 50,000 × 50,000 pixels.
        let mut png = Vec::new();
        DynamicImage::ImageRgb8(RgbImage::new(1, 1))
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        // Rewrite the IHDR width and height (bytes 16..24) and its CRC.
        png[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = process(&png, UploadLimits::default()).unwrap_err();
        assert_eq!(err, UploadError::TooManyPixels { width: 50_000, height: 50_000, limit: 40_000_000 });
        assert!(err.to_string().starts_with("the image is 50000×50000 pixels"), "{err}");
        // A long strip: few pixels, one side too long.
        png[20..24].copy_from_slice(&10u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = process(&png, UploadLimits::default()).unwrap_err();
        assert_eq!(err, UploadError::TooWide { width: 50_000, height: 10, limit: 12_000 });
    }

    #[test]
    fn decoding_is_refused_past_its_memory_limit() {
        let photo = jpeg(400, 300);
        let tight = UploadLimits { max_decode_bytes: 100_000, ..UploadLimits::default() };
        assert_eq!(process(&photo, tight).unwrap_err(), UploadError::TooMuchMemory { limit: 100_000 });
        assert!(process(&photo, UploadLimits::default()).is_ok());
    }

    /// CRC-32 as PNG chunks use it, for building the test image above.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
