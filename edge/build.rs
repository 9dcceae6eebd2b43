// See cloud-relay/build.rs: make cargo rebuild when an embedded migration changes.
fn main() {
    println!("cargo:rerun-if-changed=../migrations/edge");
}
