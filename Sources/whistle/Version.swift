/// This release's number: bumped by hand for each package (`make deb` reads it from `whistle --version`).
enum Release {
    static let version = "0.19.0"
}
