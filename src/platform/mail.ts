import nodemailer, { type Transporter } from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/**
 * Outgoing mail through nodemailer (SMTP_URL: smtp://user:pass@host:port or smtps://…). The sender
 * is SMTP_FROM, else "no-reply@" the public host, shown as PLATFORM_NAME. Connections are not pooled: mail is rare.
 */
export function smtpMailer(smtpUrl: string, from: { name: string; address: string }): Mailer {
  const transport: Transporter = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}
