//! `cargo xtask demo`: builds the widget, then serves the demo host pages
//! (Chat and CRM, with the bell and a control to fire events as other users)
//! from `bell-server --demo` over a SQLite file with seeded history.

use crate::tools::{Result, build_widget, cargo, root, sh};

pub fn run(args: &[String]) -> Result {
    let listen = args.first().cloned().unwrap_or_else(|| "127.0.0.1:8080".into());
    build_widget()?;
    eprintln!("\nDemo: open http://{listen}/demo/crm and http://{listen}/demo/chat  (Ctrl-C stops it)\n");
    sh(cargo()
        .args(["run", "-p", "bell-server", "--", "--demo"])
        .env("BELL_LISTEN", &listen)
        .env("BELL_DATABASE_URL", format!("sqlite://{}", root().join("target/demo.db").display()))
        .env("BELL_WIDGET_DIR", root().join("dist")))
}
