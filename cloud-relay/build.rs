// The migrations are embedded by refinery's macro, which cargo does not know reads files:
// without this, editing a .sql file would leave a stale schema in the binary.
fn main() {
    println!("cargo:rerun-if-changed=../migrations/relay");
}
