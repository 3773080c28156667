// The tour's English words per lab: title and dialogue. The explanation is the lab's `explain`.

import type { Script } from './script.js';

export const SCRIPT_EN: Script = {
  handshake: {
    title: 'The three-way handshake',
    dialogue: [
      { who: 'A', says: 'Can we talk?', segments: 'SYN' },
      { who: 'B', says: 'Yes. Can you hear me?', segments: 'SYN-ACK' },
      { who: 'A', says: 'I hear you.', segments: 'ACK' },
    ],
  },
  'syn-sent': {
    title: 'SYN_SENT: nobody answers',
    dialogue: [
      { who: 'A', says: 'Can we talk?', segments: 'SYN' },
      { who: '', says: "Silence: B's accept queue is full and its kernel drops the SYN." },
      { who: 'A', says: '...Can we talk?', segments: 'SYN again 1 s later, then each second, then backing off' },
    ],
  },
  'syn-recv': {
    title: 'SYN_RECV: the last ACK is lost',
    dialogue: [
      { who: 'A', says: 'Can we talk?', segments: 'SYN' },
      { who: 'B', says: 'Yes. Can you hear me?', segments: 'SYN-ACK' },
      { who: 'A', says: 'I hear you.', segments: 'ACK, lost on the way' },
      { who: 'B', says: '...Can you hear me?', segments: 'SYN-ACK again' },
    ],
  },
  'stale-syn': {
    title: 'Why three segments, not two',
    dialogue: [
      { who: '', says: 'A delayed SYN from a connection long gone reaches B.' },
      { who: 'B', says: 'Yes. Can you hear me?', segments: 'SYN-ACK' },
      { who: 'A', says: 'I never asked.', segments: 'RST, from the kernel' },
      { who: 'B', says: 'Never mind, then.', segments: 'no connection is handed out' },
    ],
  },
  'self-connect': {
    title: 'Simultaneous open',
    dialogue: [
      { who: 'A+B', says: 'Can we talk?', segments: 'SYN and SYN, crossing' },
      { who: 'A+B', says: 'Yes. Can you hear me?', segments: 'SYN-ACK and SYN-ACK' },
      { who: '', says: 'Here one socket is both A and B: it hears its own words.' },
    ],
  },
  'half-close': {
    title: 'The four-way close, as a dialogue',
    dialogue: [
      { who: 'A', says: "I'm done talking.", segments: 'FIN' },
      { who: 'B', says: "Noted. Wait, I'm still talking...", segments: 'ACK, then data' },
      { who: 'B', says: 'Done too.', segments: 'FIN' },
      { who: 'A', says: 'Bye.', segments: 'ACK; A waits in TIME_WAIT' },
    ],
  },
  'close-wait-leak': {
    title: 'CLOSE_WAIT: B never hangs up',
    dialogue: [
      { who: 'A', says: "I'm done talking.", segments: 'FIN' },
      { who: 'B', says: 'Noted.', segments: 'ACK' },
      { who: '', says: 'B never says goodbye: its program never calls close().' },
      { who: 'A', says: '(waits in FIN_WAIT2 while B sits in CLOSE_WAIT for good)' },
    ],
  },
  'fin-wait-1': {
    title: 'FIN_WAIT1: the FIN cannot leave',
    dialogue: [
      { who: 'A', says: 'Here is a lot to say...', segments: "data until B's window is 0" },
      { who: 'B', says: '(reads nothing)', segments: 'ACK, window 0' },
      { who: 'A', says: "I'm done talking.", segments: 'FIN, queued behind the unsent data' },
      { who: 'A', says: 'Are you still there?', segments: 'window probes' },
    ],
  },
  'last-ack': {
    title: 'LAST_ACK: waiting for the last word',
    dialogue: [
      { who: 'A', says: "I'm done talking.", segments: 'FIN' },
      { who: 'B', says: 'Noted.', segments: 'ACK' },
      { who: 'B', says: "Here is a lot more... and I'm done too.", segments: 'data, FIN queued behind it' },
      { who: 'A', says: '(reads again) Bye.', segments: "ACK: B's LAST_ACK ends" },
    ],
  },
  closing: {
    title: 'CLOSING: both hang up at once',
    dialogue: [
      { who: 'A', says: "I'm done talking.", segments: 'FIN, waiting behind data' },
      { who: 'B', says: "I'm done too.", segments: 'FIN, at the same time' },
      { who: 'A', says: 'Oh, you too? Noted.', segments: 'ACK: A is in CLOSING' },
      { who: 'B', says: '(reads the rest) Noted.', segments: 'ACK: both wait in TIME_WAIT' },
    ],
  },
  'active-close': {
    title: 'TIME_WAIT: who closes first waits',
    dialogue: [
      { who: 'A', says: "I'm done talking.", segments: 'FIN' },
      { who: 'B', says: 'Noted.', segments: 'ACK' },
      { who: 'B', says: 'Me too.', segments: 'FIN' },
      { who: 'A', says: 'Bye.', segments: 'ACK' },
      { who: '', says: 'A waits 2MSL in TIME_WAIT, in case that last ACK was lost.' },
    ],
  },
  'orphan-fin-wait2': {
    title: 'FIN_WAIT2 with nobody left to listen',
    dialogue: [
      { who: 'A', says: "I'm done talking, and I'm hanging up.", segments: 'FIN; the program closes the socket' },
      { who: 'B', says: 'Noted.', segments: 'ACK' },
      { who: '', says: 'B never says goodbye.' },
      { who: 'A', says: '(its kernel, after tcp_fin_timeout) Nobody is listening here anyway.', segments: 'gone, no segment' },
    ],
  },
  reset: {
    title: 'RST: hanging up without goodbye',
    dialogue: [
      { who: 'A', says: 'Enough!', segments: 'RST' },
      { who: 'B', says: '...?', segments: 'ECONNRESET; no FIN, no TIME_WAIT' },
    ],
  },
  refused: {
    title: 'Nobody lives here',
    dialogue: [
      { who: 'A', says: 'Can we talk?', segments: 'SYN' },
      { who: 'B', says: '(its kernel) Nobody lives here.', segments: 'RST' },
      { who: 'A', says: '(gives up at once)', segments: 'ECONNREFUSED' },
    ],
  },
  'time-wait-2msl': {
    title: 'TIME_WAIT, waited out',
    dialogue: [
      { who: 'A', says: 'Bye.', segments: 'the last ACK' },
      { who: 'A', says: '(waits 2MSL, 60 s on Linux, in case B did not hear it)' },
      { who: 'A', says: '(nothing more came) Gone.', segments: 'CLOSED, no segment' },
    ],
  },
};
