//! Reading back what a receipt printer would get: the `GS v 0` raster bands of an ESC/POS
//! stream joined into one image, written as a PNG for OCR (issue 17). Knows the commands
//! `resto_edge::print::escpos` sends and fails on anything else, so a stray byte shows.

use std::path::Path;
use std::process::Command;

/// What tesseract reads on a ticket's printed image (`lang`: `fra` or `ara`), lower-cased with
/// spaces removed (OCR spacing is not what is under test). Fails the test when the bytes are
/// not one whole ticket ending with a cut.
pub fn ocr(bytes: &[u8], lang: &str, tag: &str) -> String {
    let raster = decode(bytes).expect("the ticket decodes as ESC/POS raster");
    assert!(raster.cut, "the ticket ends with a cut");
    let dir = crate::temp_dir(tag);
    let png = dir.join("ticket.png");
    raster.write_png(&png, 2).expect("write png");
    let out = Command::new("tesseract")
        .arg(&png)
        .arg("stdout")
        .args(["-l", lang, "--psm", "4"])
        .output()
        .expect("tesseract runs (apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-ara; .ci/run does)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    eprintln!("{tag} ({lang}) read:\n{text}");
    text.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

/// The printed image: `width` dots a row, `true` = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    pub width: usize,
    pub rows: Vec<Vec<bool>>,
    /// Whether the stream ended with a cut (`GS V`).
    pub cut: bool,
}

/// Decodes `bytes`: `ESC @`, `GS v 0` bands (all of one width), `ESC d n`, `GS V m`.
pub fn decode(bytes: &[u8]) -> Result<Raster, String> {
    let mut r = Raster {
        width: 0,
        rows: Vec::new(),
        cut: false,
    };
    let mut i = 0;
    let byte = |i: usize| bytes.get(i).copied().ok_or(format!("stream ends at {i}"));
    while i < bytes.len() {
        match (bytes[i], byte(i + 1)?) {
            (0x1b, 0x40) => i += 2,
            (0x1b, 0x64) => i += 3,
            (0x1d, 0x56) => {
                r.cut = true;
                i += 3;
            }
            (0x1d, 0x76) => {
                if byte(i + 2)? != 0x30 || byte(i + 3)? != 0 {
                    return Err(format!("GS v at {i} is not GS v 0 in normal mode"));
                }
                let xb = u16::from_le_bytes([byte(i + 4)?, byte(i + 5)?]) as usize;
                let rows = u16::from_le_bytes([byte(i + 6)?, byte(i + 7)?]) as usize;
                if r.width != 0 && r.width != xb * 8 {
                    return Err(format!(
                        "band at {i} is {} dots wide, not {}",
                        xb * 8,
                        r.width
                    ));
                }
                r.width = xb * 8;
                let data = bytes
                    .get(i + 8..i + 8 + xb * rows)
                    .ok_or(format!("band at {i} is cut short"))?;
                for row in data.chunks(xb) {
                    r.rows.push(
                        (0..xb * 8)
                            .map(|x| row[x / 8] & (0x80 >> (x % 8)) != 0)
                            .collect(),
                    );
                }
                i += 8 + xb * rows;
            }
            (a, b) => return Err(format!("unknown command {a:#04x} {b:#04x} at {i}")),
        }
    }
    Ok(r)
}

impl Raster {
    /// A greyscale PNG, black on white, each dot `scale`×`scale` pixels with a white border
    /// (OCR reads small print better enlarged and framed).
    pub fn write_png(&self, path: &Path, scale: usize) -> std::io::Result<()> {
        let border = 16;
        let w = self.width * scale + 2 * border;
        let h = self.rows.len() * scale + 2 * border;
        let mut px = vec![255u8; w * h];
        for (y, row) in self.rows.iter().enumerate() {
            for (x, _) in row.iter().enumerate().filter(|(_, b)| **b) {
                for dy in 0..scale {
                    let start = (border + y * scale + dy) * w + border + x * scale;
                    px[start..start + scale].fill(0);
                }
            }
        }
        let file = std::io::BufWriter::new(std::fs::File::create(path)?);
        let mut enc = png::Encoder::new(file, w as u32, h as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(std::io::Error::other)?;
        writer
            .write_image_data(&px)
            .map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    }
}
