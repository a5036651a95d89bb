"""Is ATS_SMTP_URL's server there and willing? Connect as the mailer does (STARTTLS when
offered, or TLS from the start for smtps://; certificates verified), EHLO, log in when the URL
carries credentials, NOOP, QUIT. Sends no mail. Errors name the step and SMTP code only: servers
echo addresses in replies, and what we report is logged (DESIGN §10)."""

from __future__ import annotations

import aiosmtplib

from ats.settings import SmtpTarget

TIMEOUT_SECONDS = 10.0


class SmtpProbeFailed(Exception):
    pass


async def probe_smtp(target: SmtpTarget, *, timeout: float = TIMEOUT_SECONDS) -> None:
    client = aiosmtplib.SMTP(
        hostname=target.host,
        port=target.port,
        use_tls=target.implicit_tls,
        start_tls=False if target.implicit_tls else None,
        timeout=timeout,
    )
    step = "connect"
    try:
        await client.connect()  # EHLO, and STARTTLS when the server offers it
        if target.username is not None and target.password is not None:
            step = "login"
            await client.login(target.username, target.password)
        step = "noop"
        await client.noop()
        step = "quit"
        await client.quit()
    except aiosmtplib.SMTPResponseException as exc:
        raise SmtpProbeFailed(f"{step} refused: SMTP {exc.code}") from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise SmtpProbeFailed(f"{step} failed: {type(exc).__name__}") from None
    finally:
        if client.is_connected:
            client.close()
