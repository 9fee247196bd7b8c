/// Wakes the dispatcher's loop: a signal sent while nobody waits is kept for the next wait.
actor WakeSignal {
    private var waiter: CheckedContinuation<Void, Never>?
    private var pending = false

    func signal() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            pending = true
        }
    }

    func wait() async {
        if pending {
            pending = false
            return
        }
        await withCheckedContinuation { waiter = $0 }
    }
}
