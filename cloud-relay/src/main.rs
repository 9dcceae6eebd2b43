fn main() -> std::process::ExitCode {
    resto_relay::cli::main()
}
