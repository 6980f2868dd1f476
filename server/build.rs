//! Rebuild the binary when the web app (`dist/`, Trunk's output) changes: `serve` embeds
//! it with rust-embed, and a binary built before `trunk build` would serve the
//! "build the web app first" page forever.
fn main() {
    println!("cargo:rerun-if-changed=../dist");
    println!("cargo:rerun-if-changed=build.rs");
}
