"""One deliverer process of bench.mail_scale: `python -m bench.mail_worker URL PORT PER_MINUTE` delivers until
nothing is left to claim and prints its report as JSON."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict


def main() -> None:
    from copflow.db.uow import UnitOfWork
    from copflow.services.mail.delivery import deliver
    from copflow.services.mail.pacing import Limits
    from notifications.transports import SmtpTransport

    url, port, per_minute = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    report = deliver(UnitOfWork(url), SmtpTransport("127.0.0.1", port, timeout=30), sender="b <b@x.org>",
                     limits=Limits(per_minute=per_minute), batch_size=200)
    out = asdict(report)
    out["parked_messages"] = out["parked_messages"][:5]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
