//! A raster as ESC/POS bytes: `ESC @` (reset), the image as `GS v 0` bands, a feed and a cut.

use super::raster::Bitmap;

/// Rows per `GS v 0` command. Cheap printers buffer one command before printing it; 128 rows
/// of 72 bytes (80 mm) is 9 KiB, inside every buffer we know of.
pub const BAND_ROWS: usize = 128;

/// Lines fed after the image so that the end of the ticket clears the cutter.
pub const FEED_LINES: u8 = 4;

/// `ESC @`, then `GS v 0 0 xL xH yL yH` + rows for each band of at most [`BAND_ROWS`] rows,
/// then `ESC d FEED_LINES` and `GS V 0` (full cut).
pub fn encode(bitmap: &Bitmap) -> Vec<u8> {
    let row_bytes = bitmap.row_bytes();
    let mut out = Vec::with_capacity(bitmap.data().len() + 64);
    out.extend_from_slice(&[0x1b, 0x40]);
    for band in bitmap.data().chunks(row_bytes * BAND_ROWS) {
        let rows = band.len() / row_bytes;
        out.extend_from_slice(&[0x1d, 0x76, 0x30, 0x00]);
        out.extend_from_slice(&(row_bytes as u16).to_le_bytes());
        out.extend_from_slice(&(rows as u16).to_le_bytes());
        out.extend_from_slice(band);
    }
    out.extend_from_slice(&[0x1b, 0x64, FEED_LINES]);
    out.extend_from_slice(&[0x1d, 0x56, 0x00]);
    out
}

/// `DLE EOT 4`: paper roll sensor status.
pub const ASK_PAPER: [u8; 3] = [0x10, 0x04, 4];
/// `DLE EOT 2`: why the printer is off line (cover open, paper end, error).
pub const ASK_OFFLINE: [u8; 3] = [0x10, 0x04, 2];

/// What a printer's answer to [`ASK_PAPER`] or [`ASK_OFFLINE`] says is wrong, in words staff
/// can act on; None when all is well. A byte that is not a status byte (bits 1 and 4 set,
/// 0 and 7 clear) is not an answer: the caller treats the printer as one that does not
/// report status.
pub fn status_problem(asked: [u8; 3], answer: u8) -> Option<&'static str> {
    if !is_status_byte(answer) {
        return None;
    }
    match asked[2] {
        4 if answer & 0x60 != 0 => Some("out of paper: put in a new roll"),
        2 if answer & 0x04 != 0 => Some("cover open: close the printer's cover"),
        2 if answer & 0x20 != 0 => Some("out of paper: put in a new roll"),
        2 if answer & 0x40 != 0 => {
            Some("the printer reports an error (cutter jam or overheating): switch it off and on")
        }
        _ => None,
    }
}

pub fn is_status_byte(b: u8) -> bool {
    b & 0b1001_0011 == 0b0001_0010
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bytes_name_what_to_fix() {
        assert_eq!(status_problem(ASK_PAPER, 0x12), None, "paper present");
        assert_eq!(
            status_problem(ASK_PAPER, 0x12 | 0x0c),
            None,
            "near end still prints"
        );
        assert!(status_problem(ASK_PAPER, 0x72).unwrap().contains("paper"));
        assert!(status_problem(ASK_OFFLINE, 0x16).unwrap().contains("cover"));
        assert!(status_problem(ASK_OFFLINE, 0x32).unwrap().contains("paper"));
        assert!(status_problem(ASK_OFFLINE, 0x52).unwrap().contains("error"));
        assert_eq!(status_problem(ASK_OFFLINE, 0xff), None, "not a status byte");
    }

    #[test]
    fn header_bands_feed_and_cut() {
        // 384 dots = 48 bytes a row; 300 rows = bands of 128, 128 and 44.
        let mut bm = Bitmap::new(384, 300);
        bm.set(0, 0);
        bm.set(383, 299);
        let b = encode(&bm);
        assert_eq!(&b[..2], &[0x1b, 0x40], "ESC @ first");
        assert_eq!(&b[2..10], &[0x1d, 0x76, 0x30, 0, 48, 0, 128, 0]);
        assert_eq!(b[10], 0x80, "top-left dot is the first byte's high bit");
        let second = 10 + 48 * 128;
        assert_eq!(
            &b[second..second + 8],
            &[0x1d, 0x76, 0x30, 0, 48, 0, 128, 0]
        );
        let third = second + 8 + 48 * 128;
        assert_eq!(&b[third..third + 8], &[0x1d, 0x76, 0x30, 0, 48, 0, 44, 0]);
        let end = third + 8 + 48 * 44;
        assert_eq!(
            b[end - 1],
            0x01,
            "bottom-right dot is the last byte's low bit"
        );
        assert_eq!(&b[end..], &[0x1b, 0x64, FEED_LINES, 0x1d, 0x56, 0x00]);
        assert_eq!(b.len(), 2 + 3 * 8 + 48 * 300 + 6);
    }

    #[test]
    fn eighty_mm_rows_are_72_bytes() {
        let b = encode(&Bitmap::new(576, 10));
        assert_eq!(&b[2..10], &[0x1d, 0x76, 0x30, 0, 72, 0, 10, 0]);
        assert_eq!(b.len(), 2 + 8 + 720 + 6);
    }
}
