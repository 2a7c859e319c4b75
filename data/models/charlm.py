# A character-level language model with tied embedding and output weights:
# the decoder's weight IS the embedding's (one [27, 32] matrix, used twice),
# the course's "parameter sharing" at work.  Train it on the character
# sequence (space and a-z as tokens 0-26, 16 characters a sample, the next
# character of each as the target) with the cross-entropy loss and Adam:
# the loss falls from ln 27 = 3.3 as it learns which letter follows which.
import torch
from torch import nn


class CharLM(nn.Module):
    def __init__(self, vocab=27, hidden=32):
        super().__init__()
        self.vocab = vocab
        self.embedding = nn.Embedding(vocab, hidden)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab)
        self.decoder.weight = self.embedding.weight     # tied

    def forward(self, X):
        Y, _ = self.lstm(self.embedding(X))             # (batch, steps, hidden)
        return self.decoder(Y).reshape(-1, self.vocab)  # a row per character


net = CharLM()
