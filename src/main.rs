fn main() -> std::process::ExitCode {
    acht::cli::main()
}
