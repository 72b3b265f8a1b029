#!/usr/bin/env python3
"""Real SMTP sink for the Rust test suite (aiosmtpd), with scripted failures.

Prints `READY <port>` on stdout once listening on 127.0.0.1; exits on
SIGTERM/SIGINT or stdin EOF, printing `COUNT <accepted>` on stderr."""
import argparse, asyncio, os, re, signal, ssl, sys, threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

ACTIONS = {"ok", "451", "554", "drop", "droplost", "dropmid", "rcpt451"}
PLAN_HELP = ("comma-separated actions, one per message attempt, then accept all: "
             "ok, 451, 554 (reply at end of DATA, not stored), drop (close the "
             "connection after the data instead of replying), droplost (store the message, then "
             "close the connection instead of replying: the reply is lost), dropmid (close it in the "
             "middle of the message), rcpt451 (451 to RCPT)")


def log(msg):  # flushed per line so it interleaves sanely with test output
    print(msg, file=sys.stderr, flush=True)


def parse_plan(text):
    plan = [a.strip().lower() for a in text.split(",") if a.strip()]
    bad = [a for a in plan if a not in ACTIONS]
    if bad:
        raise ValueError(f"unknown plan action(s): {bad}")
    return plan


class Plan:
    """Queue of scripted actions. With a file, the file is the single source of
    truth: re-read on every decision so a test can rewrite it mid-run, and
    rewritten (atomically) when an action is consumed so the test can observe
    progress. A missing file means "no failures left"."""

    def __init__(self, actions=(), path=None):
        self.actions, self.path = list(actions), path

    def _load(self):
        if self.path:
            try:
                with open(self.path) as f:
                    self.actions = parse_plan(f.read())
            except FileNotFoundError:
                self.actions = []
            except ValueError as e:  # a half-written/bad file must not kill the server
                log(f"plan-file ignored: {e}")
                self.actions = []

    def peek(self):
        self._load()
        return self.actions[0] if self.actions else "ok"

    def pop(self):
        action = self.peek()
        if not self.actions:
            return action
        del self.actions[0]
        if self.path:
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                f.write(",".join(self.actions))
            os.replace(tmp, self.path)
        return action


class Handler:
    def __init__(self, directory, plan, discard):
        self.dir, self.plan, self.discard = directory, plan, discard
        self.attempts = self.count = 0
        # Continue numbering after existing files so a reused DIR never has a
        # message silently overwritten by os.rename.
        nums = [int(m.group(1)) for n in os.listdir(directory)
                if (m := re.fullmatch(r"(\d+)\.eml", n))] if directory else []
        self.next_num = max(nums, default=0) + 1

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # rcpt451 must be decided at RCPT time, so it is the only action consumed
        # here; the others wait for the end of DATA (a transaction that never
        # gets there must not eat a 451/554/drop meant for a real attempt).
        # Once it fired, reject every further RCPT of the same transaction so
        # the whole message attempt fails, not just one recipient.
        if getattr(envelope, "rcpt_failed", False):
            return "451 4.3.0 Try again later"
        if not envelope.rcpt_tos and self.plan.peek() == "rcpt451":
            self.plan.pop()
            envelope.rcpt_failed = True
            self.attempts += 1
            log(f"attempt {self.attempts}: rcpt451")
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        # A rcpt451 at the head here (plan file edited, or another connection
        # consumed the action we peeked at RCPT) stays queued for the next RCPT.
        action = "ok" if self.plan.peek() in ("rcpt451", "dropmid") else self.plan.pop()
        if action == "drop":
            log(f"attempt {self.attempts}: drop")
            # All data is read but no reply is sent: the client sees the
            # connection die while waiting for the final DATA response (the
            # ambiguous case retries must handle). Raising CancelledError is how
            # aiosmtpd itself unwinds a lost connection, without a traceback.
            server.transport.abort()
            raise asyncio.CancelledError()
        if action in ("451", "554"):
            log(f"attempt {self.attempts}: {action}")
            # Real servers name the recipient they refuse; erasure must forget such words too.
            rcpt = ", ".join(envelope.rcpt_tos)
            return "451 4.3.0 Try again later" if action == "451" else f"554 5.0.0 <{rcpt}>: Rejected"
        name = self.store(envelope)
        if self.discard and action == "ok":
            return "250 OK"  # no per-message log: 10k lines could fill an unread stderr pipe
        if action == "droplost":
            # Stored, but the reply never comes: the client cannot know the message arrived,
            # and its retry delivers a second copy (a duplicate the client must count).
            log(f"attempt {self.attempts}: droplost -> {name}")
            server.transport.abort()
            raise asyncio.CancelledError()
        log(f"attempt {self.attempts}: ok -> {name}")
        return f"250 OK stored {name}"

    def store(self, envelope):
        self.count += 1
        if self.discard:
            return "-"
        name = f"{self.next_num:06d}.eml"
        self.next_num += 1
        # Write then rename so a test polling DIR never sees a partial message.
        # Synchronous I/O is fine: small files, and it keeps ordering trivial.
        tmp = os.path.join(self.dir, f".tmp-{name}")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)  # bytes as received (dot-unstuffed)
        os.rename(tmp, os.path.join(self.dir, name))
        return name


class FlakySMTP(SMTP):
    """aiosmtpd's server, which can also die in the middle of a message: `dropmid` is decided
    when DATA begins, reads the first line of the message and aborts the connection."""

    async def smtp_DATA(self, arg):
        handler = self.event_handler
        if self.envelope.rcpt_tos and handler.plan.peek() == "dropmid":
            handler.plan.pop()
            handler.attempts += 1
            log(f"attempt {handler.attempts}: dropmid")
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readline()
            self.transport.abort()
            raise asyncio.CancelledError()
        return await super().smtp_DATA(arg)


class Authenticator:
    """Accepts exactly one login and password (compared as the bytes received)."""

    def __init__(self, login, password):
        self.login, self.password = login.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.login
              and auth_data.password == self.password)
        log(f"auth {mechanism}: {'ok' if ok else 'refused'}")
        # handled=False: aiosmtpd answers itself (235, or 535 for a wrong password).
        return AuthResult(success=ok, handled=False)


def watch_stdin(loop, stop):
    # EOF on stdin means the parent test process is gone (its pipe closed), so
    # stop instead of lingering as an orphan. Blocking read => daemon thread;
    # os.read on the raw fd, since a thread stuck inside sys.stdin's buffered
    # reader makes interpreter shutdown abort ("could not acquire lock").
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    loop.call_soon_threadsafe(stop.set)


async def main(args):
    loop = asyncio.get_running_loop()
    plan = Plan(args.plan, args.plan_file and os.path.abspath(args.plan_file))
    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(None if args.discard else args.dir, plan, args.discard)
    security = {}
    tls = None
    if args.tls:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
    if args.tls == "starttls":
        security.update(tls_context=tls, require_starttls=True)
    if args.auth:
        login, password = args.auth.split(":", 1)
        security.update(authenticator=Authenticator(login, password), auth_required=True,
                        # Implicit TLS (smtps) is TLS from the first byte; aiosmtpd only knows
                        # STARTTLS as TLS, so it must not ask for it then.
                        auth_require_tls=args.tls == "starttls")
    # Fixed hostname: the default does a getfqdn() DNS lookup per connection.
    server = await loop.create_server(
        lambda: FlakySMTP(handler, hostname="localhost", enable_SMTPUTF8=True,
                     data_size_limit=10 * 1024 * 1024, **security),
        "127.0.0.1", args.port, reuse_address=True, ssl=tls if args.tls == "smtps" else None)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if not args.no_stdin_watch:
        threading.Thread(target=watch_stdin, args=(loop, stop), daemon=True).start()
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    server.close()
    log(f"COUNT {handler.count}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", required=True, help="where NNNNNN.eml files go")
    p.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--plan", type=parse_plan, default=[], help=PLAN_HELP)
    g.add_argument("--plan-file", help="file holding a plan; re-read per attempt, consumed in place")
    p.add_argument("--discard", action="store_true", help="count messages, write nothing")
    p.add_argument("--tls", choices=["starttls", "smtps"],
                   help="starttls: STARTTLS required before MAIL; smtps: TLS from the first byte")
    p.add_argument("--cert", help="PEM certificate for --tls")
    p.add_argument("--key", help="PEM private key for --tls")
    p.add_argument("--auth", metavar="LOGIN:PASSWORD", help="AUTH required, with exactly this login")
    p.add_argument("--no-stdin-watch", action="store_true",
                   help="for manual runs with stdin at /dev/null (e.g. `&` in a script)")
    asyncio.run(main(p.parse_args()))
