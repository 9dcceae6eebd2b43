//! Ticket blocks to a 1-bit raster. Each line is split into bidi runs (`unicode-bidi`, so an
//! Arabic line reads right to left with its numbers left to right), each run into pieces by
//! font (Arabic letters in Noto Naskh Arabic, the rest in Noto Sans), each piece shaped by
//! `rustybuzz` (joining forms, ligatures, accents) and its outlines filled by
//! `ab_glyph_rasterizer`. A dot is black where the glyphs cover at least half of it.

use crate::domain::ticket::{Align, Block, Size};
use ab_glyph_rasterizer::{point, Point, Rasterizer};
use rustybuzz::ttf_parser::{GlyphId, OutlineBuilder};
use rustybuzz::{Direction, Face, UnicodeBuffer};
use std::sync::OnceLock;
use unicode_bidi::BidiInfo;

static LATIN_TTF: &[u8] = include_bytes!("../../fonts/NotoSans-Bold.ttf");
static ARABIC_TTF: &[u8] = include_bytes!("../../fonts/NotoNaskhArabic-Bold.ttf");

/// Dots left blank on each side: print heads reach the paper's edge, the eye wants a margin.
const MARGIN: usize = 8;
/// Blank rows between blocks.
const GAP: usize = 4;

/// The printer's paper: 58 mm paper has 384 dots a row, 80 mm has 576 (at 203 dpi).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperWidth {
    Mm58,
    Mm80,
}

impl PaperWidth {
    pub fn dots(self) -> usize {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }

    /// Text height in dots (the font's em).
    fn px(self, size: Size) -> f32 {
        match (self, size) {
            (PaperWidth::Mm58, Size::Normal) => 24.0,
            (PaperWidth::Mm58, Size::Large) => 32.0,
            (PaperWidth::Mm58, Size::Huge) => 72.0,
            (PaperWidth::Mm80, Size::Normal) => 30.0,
            (PaperWidth::Mm80, Size::Large) => 40.0,
            (PaperWidth::Mm80, Size::Huge) => 96.0,
        }
    }
}

/// A 1-bit image, rows top to bottom, 8 dots a byte with the leftmost in the high bit and
/// 1 = black: the layout of ESC/POS `GS v 0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

impl Bitmap {
    /// A white image; `width` is rounded up to whole bytes.
    pub fn new(width: usize, height: usize) -> Bitmap {
        let width = width.div_ceil(8) * 8;
        Bitmap {
            width,
            height,
            data: vec![0; width / 8 * height],
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn row_bytes(&self) -> usize {
        self.width / 8
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Blackens a dot; dots outside the image are ignored.
    pub fn set(&mut self, x: usize, y: usize) {
        if x < self.width && y < self.height {
            self.data[y * self.width / 8 + x / 8] |= 0x80 >> (x % 8);
        }
    }

    pub fn get(&self, x: usize, y: usize) -> bool {
        x < self.width
            && y < self.height
            && self.data[y * self.width / 8 + x / 8] & (0x80 >> (x % 8)) != 0
    }

    fn invert_rows(&mut self, top: usize, rows: usize) {
        let rb = self.row_bytes();
        for b in &mut self.data[top * rb..(top + rows).min(self.height) * rb] {
            *b = !*b;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FontId {
    Latin,
    Arabic,
}

struct Fonts {
    latin: Face<'static>,
    arabic: Face<'static>,
}

impl Fonts {
    fn get(&self, id: FontId) -> &Face<'static> {
        match id {
            FontId::Latin => &self.latin,
            FontId::Arabic => &self.arabic,
        }
    }
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        latin: Face::from_slice(LATIN_TTF, 0).expect("embedded Noto Sans parses"),
        arabic: Face::from_slice(ARABIC_TTF, 0).expect("embedded Noto Naskh Arabic parses"),
    })
}

fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// One glyph placed on a line: `x` is its pen position from the line's left, in dots.
struct Placed {
    font: FontId,
    glyph: u16,
    x: f32,
    y_offset: f32,
}

/// A line of text shaped and in visual order, left to right.
struct ShapedLine {
    glyphs: Vec<Placed>,
    width: f32,
    rtl: bool,
    arabic: bool,
    px: f32,
}

fn shape_line(text: &str, px: f32, rtl: bool) -> ShapedLine {
    let f = fonts();
    let mut line = ShapedLine {
        glyphs: Vec::new(),
        width: 0.0,
        rtl: false,
        arabic: text.chars().any(is_arabic),
        px,
    };
    let base = rtl.then_some(unicode_bidi::Level::rtl());
    let bidi = BidiInfo::new(text, base);
    let Some(para) = bidi.paragraphs.first() else {
        return line;
    };
    line.rtl = para.level.is_rtl();
    let (levels, runs) = bidi.visual_runs(para, para.range.clone());
    for run in runs {
        let rtl = levels[run.start].is_rtl();
        let mut pieces = split_by_font(&text[run.clone()]);
        if rtl {
            pieces.reverse();
        }
        for (font, piece) in pieces {
            let face = f.get(font);
            let scale = px / face.units_per_em() as f32;
            let mut buf = UnicodeBuffer::new();
            buf.push_str(piece);
            buf.set_direction(if rtl {
                Direction::RightToLeft
            } else {
                Direction::LeftToRight
            });
            buf.guess_segment_properties();
            let out = rustybuzz::shape(face, &[], buf);
            for (info, pos) in out.glyph_infos().iter().zip(out.glyph_positions()) {
                line.glyphs.push(Placed {
                    font,
                    glyph: info.glyph_id as u16,
                    x: line.width + pos.x_offset as f32 * scale,
                    y_offset: pos.y_offset as f32 * scale,
                });
                line.width += pos.x_advance as f32 * scale;
            }
        }
    }
    line
}

/// `text` in pieces of one font each; spaces and punctuation stay with the letters before
/// them (or after them, at the start).
fn split_by_font(text: &str) -> Vec<(FontId, &str)> {
    let font_of = |c: char| {
        if is_arabic(c) {
            Some(FontId::Arabic)
        } else if c.is_alphanumeric() {
            Some(FontId::Latin)
        } else {
            None
        }
    };
    let mut current = text.chars().find_map(font_of).unwrap_or(FontId::Latin);
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if let Some(f) = font_of(c) {
            if f != current {
                if i > start {
                    out.push((current, &text[start..i]));
                }
                start = i;
                current = f;
            }
        }
    }
    if start < text.len() {
        out.push((current, &text[start..]));
    }
    out
}

/// Ascent and descent in dots of a line: Arabic lines need the Naskh font's taller box.
fn line_box(line: &ShapedLine) -> (f32, f32) {
    let f = fonts();
    let face = if line.arabic { &f.arabic } else { &f.latin };
    let scale = line.px / face.units_per_em() as f32;
    (
        face.ascender() as f32 * scale,
        -(face.descender() as f32) * scale,
    )
}

/// The words of `text` in lines no wider than `max` dots (a single longer word gets a line
/// of its own and is cut by the paper).
fn wrap(text: &str, px: f32, max: f32, rtl: bool) -> Vec<ShapedLine> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && shape_line(&candidate, px, rtl).width > max {
            lines.push(shape_line(&current, px, rtl));
            current = word.to_string();
        } else {
            current = candidate;
        }
    }
    lines.push(shape_line(&current, px, rtl));
    lines
}

/// Records a glyph outline, moved to its place, into the rasterizer.
struct Pen<'r> {
    r: &'r mut Rasterizer,
    x: f32,
    baseline: f32,
    scale: f32,
    /// The rasterizer's size: points are kept inside it (a word too long for the paper is
    /// cut, not a panic).
    size: (f32, f32),
    start: Point,
    last: Point,
}

impl Pen<'_> {
    fn p(&self, x: f32, y: f32) -> Point {
        point(
            (self.x + x * self.scale).clamp(0.0, self.size.0),
            (self.baseline - y * self.scale).clamp(0.0, self.size.1),
        )
    }
}

impl OutlineBuilder for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.start = self.p(x, y);
        self.last = self.start;
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.p(x, y);
        self.r.draw_line(self.last, p);
        self.last = p;
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (c, p) = (self.p(x1, y1), self.p(x, y));
        self.r.draw_quad(self.last, c, p);
        self.last = p;
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (c1, c2, p) = (self.p(x1, y1), self.p(x2, y2), self.p(x, y));
        self.r.draw_cubic(self.last, c1, c2, p);
        self.last = p;
    }
    fn close(&mut self) {
        if self.last != self.start {
            self.r.draw_line(self.last, self.start);
        }
        self.last = self.start;
    }
}

/// What goes on paper, row by row, before the image is allocated.
enum Row {
    Text {
        line: ShapedLine,
        left: f32,
        banner: bool,
    },
    Rule,
}

/// The ticket's blocks as a raster `width` dots wide, as tall as they need.
pub fn render_blocks(blocks: &[Block], width: PaperWidth) -> Bitmap {
    let dots = width.dots();
    let usable = (dots - 2 * MARGIN) as f32;
    let mut rows = Vec::new();
    for block in blocks {
        match block {
            Block::Text {
                text,
                size,
                align,
                indent,
                rtl,
            } => {
                let px = width.px(*size);
                let indent = f32::from(*indent) * px / 2.0;
                for line in wrap(text, px, usable - indent, *rtl) {
                    let left = match align {
                        Align::Center => MARGIN as f32 + (usable - line.width).max(0.0) / 2.0,
                        Align::Start if line.rtl => {
                            MARGIN as f32 + (usable - indent - line.width).max(0.0)
                        }
                        Align::Start => MARGIN as f32 + indent,
                    };
                    rows.push(Row::Text {
                        line,
                        left,
                        banner: false,
                    });
                }
            }
            Block::Banner(text) => {
                let px = width.px(Size::Large);
                let rtl = text.chars().any(is_arabic);
                for line in wrap(text, px, usable, rtl) {
                    let left = MARGIN as f32 + (usable - line.width).max(0.0) / 2.0;
                    rows.push(Row::Text {
                        line,
                        left,
                        banner: true,
                    });
                }
            }
            Block::Rule => rows.push(Row::Rule),
        }
    }
    let height: usize = rows.iter().map(row_height).sum::<usize>() + GAP;
    let mut bm = Bitmap::new(dots, height);
    let mut top = GAP;
    for row in &rows {
        let h = row_height(row);
        match row {
            Row::Rule => {
                for y in top + GAP..top + GAP + 2 {
                    for x in MARGIN..dots - MARGIN {
                        bm.set(x, y);
                    }
                }
            }
            Row::Text { line, left, banner } => {
                let (ascent, _) = line_box(line);
                let pad = if *banner { GAP } else { 0 };
                draw_line(&mut bm, line, *left, top + pad, h - GAP - 2 * pad, ascent);
                if *banner {
                    bm.invert_rows(top, h - GAP);
                }
            }
        }
        top += h;
    }
    bm
}

fn row_height(row: &Row) -> usize {
    match row {
        Row::Rule => 2 * GAP + 2,
        Row::Text { line, banner, .. } => {
            let (a, d) = line_box(line);
            let pad = if *banner { 2 * GAP } else { 0 };
            (a + d).ceil() as usize + pad + GAP
        }
    }
}

fn draw_line(bm: &mut Bitmap, line: &ShapedLine, left: f32, top: usize, h: usize, ascent: f32) {
    let w = bm.width();
    let mut r = Rasterizer::new(w, h);
    let f = fonts();
    for g in &line.glyphs {
        let face = f.get(g.font);
        let mut pen = Pen {
            r: &mut r,
            x: left + g.x,
            baseline: ascent - g.y_offset,
            scale: line.px / face.units_per_em() as f32,
            size: (w as f32, h as f32),
            start: point(0.0, 0.0),
            last: point(0.0, 0.0),
        };
        face.outline_glyph(GlyphId(g.glyph), &mut pen);
    }
    r.for_each_pixel_2d(|x, y, coverage| {
        if coverage >= 0.5 {
            bm.set(x as usize, top + y as usize);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str, size: Size, align: Align) -> Block {
        Block::Text {
            text: t.into(),
            size,
            align,
            indent: 0,
            rtl: false,
        }
    }

    fn ink_columns(bm: &Bitmap) -> (usize, usize) {
        let cols: Vec<usize> = (0..bm.width())
            .filter(|&x| (0..bm.height()).any(|y| bm.get(x, y)))
            .collect();
        (*cols.first().unwrap(), *cols.last().unwrap())
    }

    #[test]
    fn widths_are_58_and_80_mm() {
        let blocks = [text("A-042", Size::Huge, Align::Center)];
        assert_eq!(render_blocks(&blocks, PaperWidth::Mm58).width(), 384);
        assert_eq!(render_blocks(&blocks, PaperWidth::Mm80).width(), 576);
    }

    #[test]
    fn french_starts_left_and_arabic_starts_right() {
        let fr = render_blocks(
            &[text("Pizza", Size::Normal, Align::Start)],
            PaperWidth::Mm58,
        );
        let ar = render_blocks(
            &[text("بيتزا", Size::Normal, Align::Start)],
            PaperWidth::Mm58,
        );
        let (l, _) = ink_columns(&fr);
        assert!(
            (MARGIN..MARGIN + 6).contains(&l),
            "French ink starts at {l}"
        );
        let (_, r) = ink_columns(&ar);
        assert!(
            (384 - MARGIN - 6..384 - MARGIN).contains(&r),
            "Arabic ink ends at {r}"
        );
        // On an Arabic ticket a line starting with its quantity still starts on the right.
        let qty = Block::Text {
            text: "2 x بيتزا".into(),
            size: Size::Normal,
            align: Align::Start,
            indent: 0,
            rtl: true,
        };
        let (_, r) = ink_columns(&render_blocks(&[qty], PaperWidth::Mm58));
        assert!(
            (384 - MARGIN - 6..384 - MARGIN).contains(&r),
            "RTL line ends at {r}"
        );
    }

    #[test]
    fn arabic_letters_join() {
        // Shaped, "بيتزا" uses contextual forms: its glyphs are not the isolated ones that
        // each letter gets alone.
        let joined: Vec<u16> = shape_line("بيت", 24.0, false)
            .glyphs
            .iter()
            .map(|g| g.glyph)
            .collect();
        let alone: Vec<u16> = ["ت", "ي", "ب"]
            .iter()
            .flat_map(|c| {
                shape_line(c, 24.0, false)
                    .glyphs
                    .into_iter()
                    .map(|g| g.glyph)
            })
            .collect();
        assert_eq!(joined.len(), 3, "{joined:?}");
        assert_ne!(joined, alone, "no joining forms");
        assert!(shape_line("بيت", 24.0, false).rtl);
    }

    #[test]
    fn long_text_wraps_and_banner_is_inverted() {
        let long = "Cité 2000 logements, bâtiment 12, escalier B, troisième étage à droite";
        let one = render_blocks(
            &[text("Cité", Size::Normal, Align::Start)],
            PaperWidth::Mm58,
        );
        let many = render_blocks(&[text(long, Size::Normal, Align::Start)], PaperWidth::Mm58);
        assert!(
            many.height() >= 3 * (one.height() - GAP),
            "{}",
            many.height()
        );
        let word = "Supercalifragilisticexpialidocious".repeat(3);
        let cut = render_blocks(&[text(&word, Size::Huge, Align::Start)], PaperWidth::Mm58);
        assert_eq!(cut.width(), 384);
        let banner = render_blocks(&[Block::Banner("ANNULÉE".into())], PaperWidth::Mm58);
        assert!(banner.get(1, GAP + 1), "banner bar is black at the edge");
    }
}
