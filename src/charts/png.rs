//! A chart's SVG as a PNG, for email clients (they show no SVG). Drawn with DejaVu Sans,
//! compiled in, whatever fonts the machine has, so the picture is the same everywhere.
use resvg::{tiny_skia, usvg};
use std::sync::{Arc, OnceLock};

fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(dejavu::sans::regular().to_vec());
            db.load_font_data(dejavu::sans::bold().to_vec());
            // The charts ask for `system-ui, sans-serif`; usvg's last resort is `serif`.
            db.set_sans_serif_family("DejaVu Sans");
            db.set_serif_family("DejaVu Sans");
            Arc::new(db)
        })
        .clone()
}

/// Renders `svg` at `scale` times its size (2 for sharp pictures on high-density screens).
pub fn png(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    let opt = usvg::Options { fontdb: fonts(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| format!("chart SVG does not parse: {e}"))?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or("chart has no size")?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("chart too large")?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("PNG encoding failed: {e}"))
}
